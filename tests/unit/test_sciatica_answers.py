"""Answers about sciatica itself: the content file's schema, the topic matcher, the answer text."""
import copy
import re
from pathlib import Path

import pytest
import yaml

from sciatica.answer_matching import TopicMatcher, words_of
from sciatica.catalog import default_catalog
from sciatica.datafiles import DataFileError
from sciatica.sciatica_answers import (
    DEFAULT_ANSWERS_PATH,
    GENERAL,
    answer_payload,
    answer_text,
    default_answers,
    load_answers,
)

# The source documents sit next to the repository (../shared/seeds), outside it.
SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
ANSWERS = default_answers()
MATCHER = TopicMatcher(ANSWERS)


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load(DEFAULT_ANSWERS_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "sciatica.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# -- the file ---------------------------------------------------------------------------------


def test_every_topic_the_issue_names_is_answered():
    assert {"what_is", "causes", "duration", "rest_or_move", "walking", "sitting", "sleep", "running", "gym",
            "heat_ice", "pregnancy", "when_to_see_doctor", "medicines"} <= set(ANSWERS.ids)


def test_every_statement_names_a_known_source():
    catalog = default_catalog()
    for topic in ANSWERS:
        for statement in topic.statements:
            assert statement.source == GENERAL or statement.source in catalog.sources, topic.id


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"source documents not found at {SEEDS_DIR} (../shared/seeds next to the repository)")
def test_numbers_in_statements_appear_in_their_source():
    """No invented numbers: every number an article's statement quotes is in that article."""
    for topic in ANSWERS:
        for statement in topic.statements:
            if statement.source == GENERAL:
                continue
            text = (SEEDS_DIR / statement.source).read_text(encoding="utf-8")
            for number in re.findall(r"\d+", statement.text):
                assert number in text, (topic.id, statement.text)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["topics"][0].pop("match"), "missing field 'match'"),
    (lambda d: d["topics"][2]["statements"].append({"text": "x", "source": "999_unknown.txt"}), "unknown source"),
    (lambda d: d["topics"][2]["statements"].append({"text": "  ", "source": GENERAL}), "non-empty text"),
    (lambda d: d["topics"][3].update(see_also=["no_such_exercise"]), "not in the catalog"),
    (lambda d: d["topics"][1].update(id=d["topics"][0]["id"]), "duplicate id"),
    (lambda d: d["topics"][0].update(colour="blue"), "unknown fields: colour"),
    (lambda d: d["topics"][0].pop("gap"), "must say what the sources lack"),
    (lambda d: d.pop("overview"), "overview"),
    (lambda d: d["topics"][0].update(first="yes"), "'first' must be true or false"),
    (lambda d: d["topics"][0].update(instead_of_exercises=1), "'instead_of_exercises' must be true or false"),
    (lambda d: d["topics"][0].update(see_also=["knee_to_chest"]), "cannot offer exercises"),
])
def test_a_broken_file_fails_at_load_naming_the_problem(tmp_path, raw, mutate, message):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(DataFileError, match=re.escape(message)):
        load_answers(write(tmp_path, data))


def test_the_error_names_the_file_and_the_topic(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["topics"][0]["statements"] = [{"text": "x", "source": "nope.txt"}]
    with pytest.raises(DataFileError) as error:
        load_answers(write(tmp_path, data))
    assert "sciatica.yml" in str(error.value) and f"entry '{data['topics'][0]['id']}'" in str(error.value)


# -- the matcher ------------------------------------------------------------------------------


@pytest.mark.parametrize("question, topic", [
    ("does walking help?", "walking"),
    ("is it ok to go for a long walk", "walking"),
    ("why do people get sciatica", "causes"),
    ("can a slipped disc cause it", "causes"),
    ("any tips for sleeping with sciatica", "sleep"),
    ("what's the best mattress for a bad back", "sleep"),
    ("is it safe to stretch when I'm pregnant", "pregnancy"),
    ("I'm 20 weeks pregnant, can I go for a walk?", "pregnancy"),
    ("my midwife says it's sciatica, can I run", "pregnancy"),
    ("I had a baby 3 weeks ago and now sciatica", "pregnancy"),
    ("sciatica since I gave birth, which stretches are safe", "pregnancy"),
    ("which painkillers work best", "medicines"),
    ("how long should I take ibuprofen for", "medicines"),
    ("is heat or ice better", "heat_ice"),
    ("should I put a hot water bottle on it", "heat_ice"),
    ("should I rest or keep moving", "rest_or_move"),
    ("is bed rest a good idea", "rest_or_move"),
    ("how long does it last", "duration"),
    ("will it ever go away", "duration"),
    ("can sciatica come back", "duration"),
    ("can I go to the gym", "gym"),
    ("is lifting weights ok", "gym"),
    ("can I keep running", "running"),
    ("I'm training for a marathon", "running"),
    ("I sit at a desk all day", "sitting"),
    ("sitting at work is agony", "sitting"),
    ("should I stretch with sciatica?", "stretching"),
    ("can stretching make sciatica worse", "stretching"),
    ("should I stretch before a run", "running"),
    ("what is sciatica", "what_is"),
    ("what are the symptoms", "what_is"),
    ("when should I see a doctor", "when_to_see_doctor"),
    ("is it serious", "when_to_see_doctor"),
])
def test_questions_find_their_topic(question, topic):
    found = MATCHER.match(question)
    assert found is not None and found.id == topic, (question, found and found.id)


def test_no_topic_for_a_question_it_has_nothing_on():
    assert MATCHER.match("tell me more") is None
    assert MATCHER.match("") is None


def test_a_star_matches_words_it_starts_and_nothing_inside_a_word():
    assert MATCHER.match("pregnancy and sciatica").id == "pregnancy"
    assert MATCHER.match("is it running in families") is not None  # a word, whatever it means
    assert MATCHER.match("my sister's restaurant") is None  # "rest" is not inside a word


def test_words_of_keeps_apostrophes():
    assert words_of("I'm pregnant, what's best?") == ["i'm", "pregnant", "what's", "best"]


# -- the answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", list(ANSWERS), ids=lambda t: t.id)
def test_every_answer_names_its_sources_and_labels_general_advice(topic):
    text = answer_text(topic)
    catalog = default_catalog()
    for source in topic.sources:
        assert catalog.source_label(source) in text
    for statement in topic.statements:
        assert statement.text in text
    if topic.has_general_advice:
        assert "General advice (NHS)" in text and ANSWERS.general_source in text
    payload = answer_payload(topic)
    assert payload == {"type": "answer", "topic": topic.id, "sources": list(topic.sources),
                       "general_advice": topic.has_general_advice}


def test_sleep_says_the_sources_say_nothing_and_who_can_help():
    text = answer_text(ANSWERS.get("sleep"))
    assert "None of the five sources" in text and "sleep" in text
    assert "GP" in text and "physiotherapist" in text
    assert not ANSWERS.get("sleep").see_also


def test_pregnancy_is_never_answered_with_an_exercise():
    topic = ANSWERS.get("pregnancy")
    text = answer_text(topic)
    assert "midwife" in text and "GP" in text and "physiotherapist" in text
    assert not topic.see_also and not topic.statements
    for exercise in default_catalog():
        assert exercise.name not in text


def test_medicines_point_to_a_pharmacist():
    assert "pharmacist" in answer_text(ANSWERS.get("medicines"))


@pytest.mark.parametrize("texts, expected", [
    (["hi", "what stretch for piriformis?", "I'm 20 weeks pregnant"], "pregnancy"),
    (["I had a baby 3 weeks ago", "how long do I hold it?"], "pregnancy"),
    (["hi", "what stretch for piriformis?", "how long do I hold it?"], None),
    (["can I take ibuprofen?"], None),  # medicines answers first, but exercises may follow
])
def test_a_topic_replaces_exercises_when_any_message_names_it(texts, expected):
    found = TopicMatcher(ANSWERS).instead_of_exercises(texts)
    assert (found.id if found else None) == expected


def test_each_message_is_matched_once_however_often_it_is_asked():
    matcher = TopicMatcher(ANSWERS)
    conversation = [f"how long do I hold it, number {i}?" for i in range(50)]
    for turn in range(1, len(conversation) + 1):
        assert matcher.instead_of_exercises(conversation[:turn]) is None
    assert matcher._replacing_topic.cache_info().misses == len(conversation)
