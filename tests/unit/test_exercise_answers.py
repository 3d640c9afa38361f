import json
import re

import pytest
import yaml

from sciatica.catalog import DEFAULT_CATALOG_PATH, load_catalog
from sciatica.exercise_answers import (
    FOLLOW_UP_TOPICS,
    NO_NUMBER,
    exercise_payload,
    explain,
    follow_up,
    validate_topic,
)

CATALOG = load_catalog()
SEVERAL = ("knee_to_chest", "figure_four_stretch", "plank", "tennis_ball_release", "heat_and_ice", "running_advice")


def get(entry_id: str):
    return CATALOG.get(entry_id)


def answer(entry_id: str, topic: str) -> str:
    return follow_up(get(entry_id), topic, CATALOG)


# -- explain ----------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", list(CATALOG), ids=lambda e: e.id)
def test_explain_covers_the_entry(exercise):
    text = explain(exercise, CATALOG)
    assert text.startswith(exercise.name)
    for number, step in enumerate(exercise.steps, start=1):
        assert f"{number}. {step}" in text
    assert exercise.why in text
    assert exercise.cautions[0] in text
    if exercise.disagreement:
        assert exercise.disagreement in text
    for source in exercise.sources:
        assert CATALOG.source_label(source) in text


@pytest.mark.parametrize("exercise", list(CATALOG), ids=lambda e: e.id)
def test_explain_is_plain_chat_text(exercise):
    text = explain(exercise, CATALOG)
    assert not re.search(r"\*\*|^#|\|", text, re.MULTILINE)
    assert all(len(paragraph) < 900 for paragraph in text.split("\n\n"))


@pytest.mark.parametrize("exercise", list(CATALOG), ids=lambda e: e.id)
def test_explain_says_when_a_number_is_missing(exercise):
    text = explain(exercise, CATALOG)
    counted = exercise.kind in ("stretch", "strengthen", "release")
    for label, value in (("Hold", exercise.dosage.hold), ("Repetitions", exercise.dosage.reps)):
        if value:
            assert f"{value}." in text
        elif counted:
            assert f"{label}: {NO_NUMBER}" in text


def test_general_frequency_advice_is_marked_and_scoped():
    knee = explain(get("knee_to_chest"), CATALOG)
    assert "general advice" in knee and "3–4 times a week" in knee and "whole list" in knee
    plank = explain(get("plank"), CATALOG)  # not from the guide: its 3–4 times a week does not apply
    assert "3–4 times a week" not in plank and f"How often: {NO_NUMBER}." in plank


def test_explain_uses_the_catalog_data(tmp_path):
    with DEFAULT_CATALOG_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    clam = next(e for e in data["exercises"] if e["id"] == "clamshell")
    clam["dosage"]["reps"] = "do 12 of these"
    path = tmp_path / "exercises.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    catalog = load_catalog(path)
    assert "Repetitions: do 12 of these." in explain(catalog.get("clamshell"), catalog)
    assert "12" in follow_up(catalog.get("clamshell"), "reps", catalog)


# -- payload ----------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", list(CATALOG), ids=lambda e: e.id)
def test_payload_is_json_and_follows_the_contract(exercise):
    payload = exercise_payload(exercise)
    assert json.loads(json.dumps(payload)) == payload
    assert set(payload) == {
        "type", "id", "name", "kind", "targets", "steps", "hold", "reps", "frequency", "caution", "sources",
    }
    assert (payload["type"], payload["id"], payload["name"]) == ("exercise", exercise.id, exercise.name)
    assert payload["steps"] == list(exercise.steps)
    assert payload["hold"] == exercise.dosage.hold and payload["reps"] == exercise.dosage.reps
    assert payload["caution"] == exercise.cautions[0]
    assert payload["sources"] == list(exercise.sources)


# -- follow-ups -------------------------------------------------------------------------------


@pytest.mark.parametrize("entry_id", SEVERAL)
@pytest.mark.parametrize("topic", FOLLOW_UP_TOPICS)
def test_every_topic_answers_for_several_entries(entry_id, topic):
    text = answer(entry_id, topic)
    assert text.strip() and "None" not in text and ".." not in text


def test_hold_time():
    assert "20–30 seconds" in answer("knee_to_chest", "hold_time")
    assert "no hold time" in answer("figure_four_stretch", "hold_time")
    curl = answer("prone_hamstring_curl", "hold_time")
    assert "no hold time" in curl and "fatigues" in curl


def test_reps():
    assert "10" in answer("ab_curl", "reps")
    knee = answer("knee_to_chest", "reps")
    assert "no number of repetitions" in knee and "20–30 seconds" in knee
    assert "isn't counted" in answer("heat_and_ice", "reps")


def test_frequency_and_weeks():
    ball = answer("tennis_ball_release", "frequency")
    assert "every day" in ball and "2 weeks" in ball and "no number of weeks" not in ball
    knee = answer("knee_to_chest", "frequency")
    assert "no number for how often" in knee and "3–4 times a week" in knee and "no number of weeks" in knee
    assert "General safety advice" in knee and CATALOG.safety.not_improving in knee
    assert "3–4 times a week" not in answer("plank", "frequency")


def test_other_side():
    assert "repeat on the other side" in answer("clamshell", "other_side")
    assert "both sides at once" in answer("plank", "other_side")
    figure_four = answer("figure_four_stretch", "other_side")
    assert "doesn't say" in figure_four and "General advice" in figure_four and "its own stretch" in figure_four
    assert "everyday life" in answer("running_advice", "other_side")


@pytest.mark.parametrize("entry_id", CATALOG.ids)
def test_if_it_hurts_says_stop_and_when_to_see_a_gp(entry_id):
    text = answer(entry_id, "if_it_hurts")
    assert text.startswith("If it hurts, stop.")
    assert "further down your leg" in text and "GP" in text
    for caution in get(entry_id).cautions:
        assert caution in text


def test_easier_and_harder():
    assert "modified cobra" in answer("cobra", "easier")
    assert "not from the sources" in answer("cobra", "easier")
    assert "another 30 seconds" in answer("plank", "harder")
    assert "don't describe a harder version" in answer("knee_to_chest", "harder")
    easier = answer("knee_to_chest", "easier")
    assert "don't describe an easier version" in easier and "General advice" in easier


def test_why_includes_the_source_and_any_disagreement():
    why = answer("standing_hamstring_stretch", "why")
    assert get("standing_hamstring_stretch").why in why
    assert get("standing_hamstring_stretch").disagreement in why
    assert CATALOG.source_label("004_c163e47820be6e5f.txt") in why


def test_equipment():
    assert "tennis ball" in answer("tennis_ball_release", "equipment")
    assert "heating pad and ice pack" in answer("heat_and_ice", "equipment")
    assert "don't need any equipment" in answer("knee_to_chest", "equipment")


def test_where():
    seated = answer("seated_figure_four_stretch", "where")
    assert "at a desk" in seated and "isn't one to do in bed" in seated
    knee = answer("knee_to_chest", "where")
    assert "in bed" in knee and "isn't one to do at a desk" in knee
    assert "anywhere" in answer("heat_and_ice", "where")
    assert "everyday life" in answer("activities_to_avoid", "where")


def test_unknown_topic_is_refused():
    with pytest.raises(ValueError, match="dance_moves"):
        follow_up(get("plank"), "dance_moves", CATALOG)
    with pytest.raises(ValueError):
        validate_topic("")
    assert validate_topic("why") == "why"


def test_follow_ups_default_to_the_default_catalog():
    assert follow_up(get("plank"), "why") == answer("plank", "why")
    assert explain(get("plank")) == explain(get("plank"), CATALOG)


# -- provenance -------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", list(CATALOG), ids=lambda e: e.id)
def test_every_caution_names_its_source_and_general_advice_is_labelled(exercise):
    from sciatica.catalog import GENERAL_ADVICE

    assert len(exercise.caution_sources) == len(exercise.cautions)
    text = explain(exercise, CATALOG)
    if exercise.caution_source(0) == GENERAL_ADVICE:
        assert f"The caution is general advice ({CATALOG.safety.source}), not from" in text
    else:
        assert exercise.caution_source(0) in CATALOG.sources
    for index, caution in enumerate(exercise.cautions[1:], start=1):
        if exercise.caution_source(index) == GENERAL_ADVICE and exercise.caution_source(0) != GENERAL_ADVICE:
            assert f"General advice (NHS): {caution}" in text
            break


def test_heat_on_numb_skin_is_general_advice_not_the_blogs():
    text = explain(get("heat_and_ice"), CATALOG)
    assert "not from the article" in text and "general advice" in text
    assert get("heat_and_ice").caution_sources == ("general",)


def test_release_before_stretch_and_its_disagreement_are_shown():
    text = explain(get("sciatic_stretch"), CATALOG)
    assert "release the muscle knots before this stretch" in text
    assert "without a release first" in text
    for entry in ("piriformis_stretch", "buttock_stretch"):
        assert "release the muscle knots before stretching" in explain(get(entry), CATALOG)


def test_the_seated_figure_four_says_what_its_source_leaves_out():
    exercise = get("seated_figure_four_stretch")
    assert not any("upright" in step.lower() or "chair" in step.lower() for step in exercise.steps)
    assert "only names a seated figure-4" in explain(exercise, CATALOG)


def test_the_sources_own_advice_to_see_a_professional_is_shown():
    assert "get checked by a chiropractor, physical therapist" in explain(get("tennis_ball_release"), CATALOG)
    assert "Consult a healthcare professional" in explain(get("knee_to_chest"), CATALOG)
    assert "physical therapist" in explain(get("running_advice"), CATALOG)


def test_a_caution_without_its_source_fails_at_load(tmp_path):
    import yaml

    from sciatica.catalog import DEFAULT_CATALOG_PATH, DataFileError, load_catalog

    data = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    data["exercises"][0]["cautions"] = ["Go gently."]
    path = tmp_path / "exercises.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataFileError, match="each caution needs exactly a 'text' and a 'source'"):
        load_catalog(path)
