"""Screening questions: their data file, reading the answers, and when an answer refers."""
from pathlib import Path

import pytest
import yaml

from sciatica.datafiles import DataFileError
from sciatica.screening import (
    DEFAULT_SCREENING_PATH,
    ScreeningQuestion,
    load_screening,
    needs_referral,
    parse_answer,
    referral_level,
)
from sciatica.triage import load_red_flags


@pytest.fixture(scope="module")
def book():
    return load_red_flags()


@pytest.fixture(scope="module")
def questions(book):
    return load_screening(book=book)


def by_slot(questions, slot: str) -> ScreeningQuestion:
    return next(question for question in questions if question.slot == slot)


# ---------------------------------------------------------------------------- the questions


def test_cauda_equina_questions_come_first(questions):
    flags = [question.cauda_equina for question in questions]
    assert flags == sorted(flags, reverse=True)
    assert [q.slot for q in questions[:3]] == ["screen_saddle", "screen_bladder_bowel", "screen_both_legs"]


def test_cauda_equina_questions_cover_saddle_bladder_bowel_and_both_legs(questions):
    covered = {flag for question in questions if question.cauda_equina for flag in question.flags}
    assert {"saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "bilateral_symptoms"} <= covered


def test_other_red_flags_are_asked_about_briefly(questions):
    covered = {flag for question in questions if not question.cauda_equina for flag in question.flags}
    assert {"fever_infection", "cancer_history", "major_trauma", "weight_loss"} <= covered


def test_every_question_says_how_to_answer(questions):
    for question in questions:
        for text in (question.question, question.after_hint):
            assert "reply yes, no, or not sure" in text.lower(), question.slot
            assert text.count("?") >= 1, question.slot


def test_the_usual_screening_is_seven_questions_and_the_rest_follow_hints(questions):
    assert [q.slot for q in questions if q.always] == [
        "screen_saddle", "screen_bladder_bowel", "screen_both_legs", "screen_fever", "screen_cancer",
        "screen_trauma", "screen_weight_loss",
    ]
    assert {q.slot for q in questions if not q.always} == {
        "screen_sex", "screen_foot", "screen_night", "screen_bones", "screen_back_shape", "screen_tummy",
        "screen_cancer_neuro",
    }


def test_every_emergency_and_urgent_flag_has_a_question(questions, book):
    asked = {flag for question in questions for flag in question.flags}
    assert {flag.id for flag in book.flags.values() if flag.level != "gp"} <= asked


def test_the_domain_declares_every_question(questions):
    domain = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text())
    slots = [q.slot for q in questions]
    assert domain["forms"]["screening_form"]["required_slots"] == slots
    assert {f"action_ask_{slot}" for slot in slots} <= set(domain["actions"])
    for slot in slots:
        [mapping] = domain["slots"][slot]["mappings"]
        assert "red_flag_hint" in mapping["not_intent"] and "red_flag_emergency" in mapping["not_intent"]


# ---------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    "text, answer",
    [
        ("yes", "yes"),
        ("Yeah", "yes"),
        ("yep, since Tuesday", "yes"),
        ("YES", "yes"),
        ("a little", "yes"),
        ("a bit", "yes"),
        ("sometimes", "yes"),
        ("kind of", "yes"),
        ("no, just a bit numb", "yes"),
        ("maybe a little", "yes"),
        ("I think so", "yes"),
        ("I do", "yes"),
        ("no", "no"),
        ("Nope", "no"),
        ("nah", "no"),
        ("not really", "no"),
        ("never", "no"),
        ("none", "no"),
        ("not at all", "no"),
        ("no, just the pain in my left leg", "no"),
        ("I don't think so", "no"),
        ("not even a little", "no"),
        ("not sure", "unsure"),
        ("I'm not sure", "unsure"),
        ("don't know", "unsure"),
        ("maybe", "unsure"),
        ("idk", "unsure"),
        ("unsure", "unsure"),
        ("no idea", "unsure"),
        ("yes and no", "unsure"),
        ("what stretch for piriformis", None),
        ("what do you mean?", None),
        ("can you tell me more about the exercises", None),
        ("my back hurts", None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_answer(text, answer):
    assert parse_answer(text) == answer


# ---------------------------------------------------------------------------- referral


def test_yes_always_refers(questions):
    assert all(needs_referral(question, "yes") for question in questions)


def test_no_or_no_answer_never_refers(questions):
    assert not any(needs_referral(question, answer) for question in questions for answer in ("no", None))


def test_not_sure_refers_only_for_cauda_equina(questions):
    for question in questions:
        assert needs_referral(question, "unsure") == question.cauda_equina, question.slot


@pytest.mark.parametrize(
    "slot, answer, level",
    [
        ("screen_saddle", "yes", "emergency"),
        ("screen_saddle", "unsure", "emergency"),
        ("screen_bladder_bowel", "a bit", "emergency"),
        ("screen_both_legs", "not sure", "emergency"),
        ("screen_cancer", "yes", "urgent"),
        ("screen_cancer", "not sure", None),
        ("screen_fever", "sometimes", "urgent"),
        ("screen_trauma", "yes", "emergency"),
        ("screen_weight_loss", "no", None),
    ],
)
def test_referral_level_of_an_answer(slot, answer, level, questions, book):
    assert referral_level(by_slot(questions, slot), parse_answer(answer), book) == level


# ---------------------------------------------------------------------------- schema failures


def _screening_data() -> dict:
    return yaml.safe_load(DEFAULT_SCREENING_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "screening.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _break(data: dict, how: str) -> str:
    first = data["questions"][0]
    if how == "unknown flag":
        first["flags"] = ["saddle_anaesthesia", "numb_bum"]
    elif how == "missing question":
        del first["question"]
    elif how == "bad slot":
        first["slot"] = "Saddle"
        return "Saddle"
    elif how == "duplicate slot":
        data["questions"][1]["slot"] = first["slot"]
    elif how == "no answer hint":
        first["question"] = "Any numbness around your bottom?"
    elif how == "cauda equina not boolean":
        first["cauda_equina"] = "yes"
    elif how == "cauda equina after others":
        data["questions"].append(dict(first, slot="screen_saddle_again"))
        return "screen_saddle_again"
    elif how == "unknown ask":
        first["ask"] = "sometimes"
    elif how == "no answer hint after a hint":
        first["after_hint"] = "Any numbness around your bottom?"
    elif how == "a serious flag with no question":
        data["questions"] = [q for q in data["questions"] if q["slot"] != "screen_night"]
        return "questions"
    return first["slot"]


@pytest.mark.parametrize(
    "how",
    [
        "unknown flag", "missing question", "bad slot", "duplicate slot", "no answer hint",
        "cauda equina not boolean", "cauda equina after others", "unknown ask", "no answer hint after a hint",
        "a serious flag with no question",
    ],
)
def test_a_broken_screening_file_is_refused(how, tmp_path, book):
    data = _screening_data()
    entry = _break(data, how)
    path = _write(tmp_path, data)
    with pytest.raises(DataFileError) as error:
        load_screening(path, book=book)
    assert str(path) in str(error.value)
    assert f"entry '{entry}'" in str(error.value)


def test_the_unmodified_copy_loads(tmp_path, book, questions):
    assert load_screening(_write(tmp_path, _screening_data()), book=book) == questions
