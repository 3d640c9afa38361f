"""Red-flag detection and triage, case by case on the labelled set.

tests/data/red_flag_cases.yml holds messages written like real users' with the flags
and referral level each must get. A red flag missed fails; so does an ordinary
message sent to an emergency department.
"""
import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import spacy
import yaml

# Imported for their spaCy factories: spacy.load needs them registered.
import sciatica.nlp.lemmatizer  # noqa: F401
import sciatica.nlp.red_flags  # noqa: F401
from sciatica.datafiles import DataFileError
from sciatica.nlp.lemmatizer import add_domain_lemmatizer, load_lemma_table
from sciatica.nlp.red_flags import COMPONENT_NAME, PatternError, PhraseCompiler, add_red_flag_detector, make_triage_nlp
from sciatica.triage import (
    DEFAULT_RED_FLAGS_PATH,
    LEVELS,
    NEGATED_SPANS_KEY,
    SPANS_KEY,
    assess,
    assess_ids,
    highest_level,
    load_red_flags,
)

CASES_PATH = Path(__file__).resolve().parents[1] / "data" / "red_flag_cases.yml"
CASES = yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))["cases"]
URGENT_LEVELS = ("emergency", "urgent")


def case_id(index: int, case: dict) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", case["text"].lower()).strip("-")
    return f"{index:03d}-{case['expect_level'] or 'none'}-{words[:48]}"


CASE_PARAMS = [pytest.param(case, id=case_id(i, case)) for i, case in enumerate(CASES)]


@pytest.fixture(scope="module")
def book():
    return load_red_flags()


@pytest.fixture(scope="module")
def nlp():
    return make_triage_nlp()


@pytest.fixture(scope="module")
def predictions(nlp, book):
    return [assess(nlp(case["text"]), book) for case in CASES]


# ---------------------------------------------------------------------------- labelled set


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_case_gets_its_flags_and_level(case, nlp, book):
    doc = nlp(case["text"])
    result = assess(doc, book)
    found = [(span.label_, span.text) for key in (SPANS_KEY, NEGATED_SPANS_KEY) for span in doc.spans[key]]
    assert result.level == case["expect_level"], f"spans: {found}"
    assert sorted(result.flags) == sorted(case["expect_flags"]), f"spans: {found}"


def test_labelled_set_covers_every_flag_and_level(book):
    flagged = [case for case in CASES if case["expect_flags"]]
    look_alikes = [case for case in CASES if case["expect_level"] not in URGENT_LEVELS]
    per_flag = Counter(flag for case in CASES for flag in case["expect_flags"])
    assert len(CASES) >= 160
    assert len(flagged) >= 85
    assert len(look_alikes) >= 75
    assert {flag: per_flag[flag] for flag in book.ids if per_flag[flag] < 3} == {}
    assert {case["expect_level"] for case in CASES} == {*LEVELS, None}
    for case in CASES:
        assert set(case["expect_flags"]) <= set(book.ids), case["text"]
        # Escalations may raise the level above the flags', never lower it.
        assert highest_level([case["expect_level"], book.level_of(case["expect_flags"])]) == case["expect_level"]


def test_no_red_flag_case_is_missed(predictions):
    """Recall first: every emergency and urgent case reaches at least its level."""
    missed = []
    for case, result in zip(CASES, predictions):
        expected = case["expect_level"]
        if expected in URGENT_LEVELS and (result.level is None or LEVELS.index(result.level) > LEVELS.index(expected)):
            missed.append((case["text"], expected, result.level))
    _print_scores(predictions)
    assert missed == []


def test_look_alikes_are_not_sent_to_urgent_care(predictions):
    wrongly_urgent = [
        (case["text"], result.level)
        for case, result in zip(CASES, predictions)
        if case["expect_level"] not in URGENT_LEVELS and result.level in URGENT_LEVELS
    ]
    assert wrongly_urgent == []


def _print_scores(predictions) -> None:
    print("\nlevel       recall  precision  support")
    for level in (*LEVELS, None):
        expected = [case["expect_level"] == level for case in CASES]
        predicted = [result.level == level for result in predictions]
        hits = sum(e and p for e, p in zip(expected, predicted))
        recall = hits / sum(expected) if sum(expected) else float("nan")
        precision = hits / sum(predicted) if sum(predicted) else float("nan")
        print(f"{level or 'none':10}  {recall:6.3f}  {precision:9.3f}  {sum(expected):7d}")


def test_examples_in_the_data_file_are_detected(nlp, book):
    missed = [
        (flag.id, example)
        for flag in book.flags.values()
        for example in flag.examples
        if flag.id not in assess(nlp(example), book).flags
    ]
    assert missed == []


# ---------------------------------------------------------------------------- negation and history


@pytest.mark.parametrize(
    "text, flag",
    [
        ("no bladder problems", "bladder_dysfunction"),
        ("I don't have numbness down there", "saddle_anaesthesia"),
        ("I used to wet the bed", "bladder_dysfunction"),
        ("bowel problems - none", "bowel_dysfunction"),
    ],
)
def test_negated_and_historical_hits_are_kept_apart(text, flag, nlp, book):
    doc = nlp(text)
    result = assess(doc, book)
    assert result.flags == ()
    assert result.negated == (flag,)
    assert flag in {span.label_ for span in doc.spans[NEGATED_SPANS_KEY]}


def test_a_no_after_a_question_mark_is_not_trusted(nlp, book):
    # Echoing the question back is common; the "?" closes the clause.
    assert assess(nlp("both legs numb? no"), book).level == "emergency"


def test_cancer_history_is_not_dismissed_as_history(nlp, book):
    assert assess(nlp("I had cancer years ago"), book).flags == ("cancer_history",)
    assert assess(nlp("I used to have cancer"), book).flags == ("cancer_history",)


def test_distant_trauma_is_history_but_since_the_accident_is_not(nlp, book):
    assert assess(nlp("I had a car crash 20 years ago"), book).level is None
    assert assess(nlp("my back has hurt since the car crash"), book).level == "emergency"


def test_an_entity_ruler_between_the_components_changes_nothing(nlp, book):
    full = spacy.blank("en")
    add_domain_lemmatizer(full)
    ruler = full.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns([{"label": "body_area", "pattern": "bum"}, {"label": "symptom", "pattern": "numb"}])
    add_red_flag_detector(full)
    for text in ("my bum is numb", "no numbness in my bum", "both legs are weak", "I fell off a ladder"):
        assert assess(full(text), book) == assess(nlp(text), book)


# ---------------------------------------------------------------------------- escalation and levels


def test_levels_are_ordered_by_severity(book):
    assert LEVELS == ("emergency", "urgent", "gp")
    assert highest_level(["gp", None, "urgent"]) == "urgent"
    assert highest_level([]) is None
    assert book.level_of(["not_improving", "cancer_history"]) == "urgent"
    assert book.level_of(["steroid_use"]) is None
    assert book.get("saddle_anaesthesia").level == "emergency"


def test_assessment_orders_flags_by_severity_then_id(book):
    result = assess_ids(["not_improving", "weight_loss", "bladder_dysfunction", "bilateral_symptoms"], book)
    assert result.flags == ("bilateral_symptoms", "bladder_dysfunction", "weight_loss", "not_improving")
    assert result.level == "emergency"


def test_fever_with_injecting_drugs_is_an_emergency(book):
    assert assess_ids(["fever_infection"], book).level == "urgent"
    assert assess_ids(["infection_risk"], book).flags == ("fever_infection",)
    assert assess_ids(["infection_risk"], book).level == "urgent"
    assert assess_ids(["fever_infection", "infection_risk"], book).level == "emergency"
    assert assess_ids(["fever_infection", "steroid_use"], book).level == "emergency"


def test_cancer_history_with_new_weakness_is_cord_compression(book):
    result = assess_ids(["cancer_history", "new_neuro"], book)
    assert result.flags == ("cancer_with_neuro", "cancer_history")
    assert result.level == "emergency"
    assert assess_ids(["new_neuro"], book).level is None


def test_evidence_gathered_over_several_turns(nlp, book):
    first = assess(nlp("I inject drugs"), book)
    second = assess(nlp("and now I have a high temperature"), book)
    assert first.level == second.level == "urgent"
    combined = assess_ids(set(first.evidence) | set(second.evidence), book)
    assert combined.level == "emergency"
    assert assess_ids(first.evidence, book).level == "urgent"
    assert "fever_infection" not in first.evidence  # added by an escalation, not found


def test_unknown_ids_are_refused(book):
    with pytest.raises(ValueError, match="no_such_flag"):
        assess_ids(["no_such_flag"], book)


# ---------------------------------------------------------------------------- serialisation


def test_saved_pipeline_loads_and_gives_the_same_results(tmp_path, nlp, book, predictions):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["domain_lemmatizer", COMPONENT_NAME]
    assert [assess(loaded(case["text"]), book) for case in CASES] == predictions
    assert loaded("I CAN'T FEEL MY BUM")[2].lemma_ == "not"  # the all-caps contraction split travels too


def test_components_round_trip_through_bytes(nlp):
    for name in ("domain_lemmatizer", COMPONENT_NAME):
        component = nlp.get_pipe(name)
        other = nlp.create_pipe(name)
        other.from_bytes(component.to_bytes())
        assert other.to_bytes() == component.to_bytes()


def test_saved_patterns_share_one_dict_per_distinct_token_spec(tmp_path, nlp):
    detector = nlp.get_pipe(COMPONENT_NAME)
    detector.to_disk(tmp_path / "detector")
    loaded = nlp.create_pipe(COMPONENT_NAME).from_disk(tmp_path / "detector")
    tokens = [token for rule in loaded.data["rules"] for pattern in rule["patterns"] for token in pattern]
    distinct = {json.dumps(token, sort_keys=True) for token in tokens}
    assert len({id(token) for token in tokens}) == len(distinct) < len(tokens) / 10
    assert loaded.data["rules"] == detector.data["rules"] and loaded.data["cues"] == detector.data["cues"]


def test_detector_without_lemmatizer_is_refused():
    with pytest.raises(ValueError, match="domain_lemmatizer"):
        add_red_flag_detector(spacy.blank("en"))


# ---------------------------------------------------------------------------- lemmatizer


@pytest.mark.parametrize(
    "text, lemmas",
    [
        ("peed PEEING wees", ["pee", "pee", "wee"]),
        ("feet legs sides buttocks", ["foot", "leg", "side", "buttock"]),
        ("lost dropping caught fell collapsing", ["lose", "drop", "catch", "fall", "collapse"]),
        ("bladdr numbnes tingly", ["bladder", "numb", "tingle"]),
        ("bladdder numbmess incontinince", ["bladder", "numb", "incontinence"]),
        ("ladder", ["ladder"]),
        ("I can't", ["i", "can", "not"]),
        ("I CAN'T", ["i", "can", "not"]),
        ("didnt DIDNT", ["do", "not", "do", "not"]),
    ],
)
def test_domain_lemmas(text, lemmas, nlp):
    assert [token.lemma_ for token in nlp(text)] == lemmas


def test_unknown_words_keep_their_lowercase_form(nlp):
    assert [token.lemma_ for token in nlp("Zebra PHYSIO")] == ["zebra", "physio"]


# ---------------------------------------------------------------------------- pattern language

GAP = {"LEMMA": {"NOT_IN": ["but"]}, "OP": "?"}


def lemma(word):
    return {"LEMMA": word}


def compiler(vocab=None):
    lemmas = {"legs": ["leg"], "can't": ["can", "not"]}
    return PhraseCompiler(
        vocab or {},
        lemmatize=lambda text: lemmas.get(text, [text]),
        lowercase=lambda text: [text],
        gap_stops=["but"],
        window=2,
    )


@pytest.mark.parametrize(
    "phrase, patterns",
    [
        ("a|b c", [[{"LEMMA": {"IN": ["a", "b"]}}, lemma("c")]]),
        ("(sign off|off) work", [[lemma("off"), lemma("work")], [lemma("sign"), lemma("off"), lemma("work")]]),
        ("=legs legs", [[{"LOWER": "legs"}, lemma("leg")]]),
        ("can't feel", [[lemma("can"), lemma("not"), lemma("feel")]]),
        ("a ... b", [[lemma("a"), GAP, GAP, lemma("b")]]),
        ("a ...1 b", [[lemma("a"), GAP, lemma("b")]]),
        ("a b?", [[lemma("a"), lemma("b")], [lemma("a")]]),
        ("!x|y a", [[{"LEMMA": {"NOT_IN": ["x", "y"]}}, lemma("a")]]),
        ("$v w", [[lemma("z"), lemma("w")], [lemma("x"), lemma("y"), lemma("w")]]),
    ],
)
def test_phrases_compile_to_matcher_patterns(phrase, patterns):
    assert compiler({"v": ["x y", "z"]}).compile(phrase) == patterns


def test_near_matches_both_orders():
    assert compiler().compile({"near": ["a", "b"], "window": 1}) == [[lemma("a"), GAP, lemma("b")], [lemma("b"), GAP, lemma("a")]]


@pytest.mark.parametrize("phrase", ["...", "a ...", "(a|b", "a)", "$missing", "$loop", "(a|)"])
def test_bad_phrases_are_refused(phrase):
    with pytest.raises(PatternError):
        compiler({"loop": ["$loop"]}).compile(phrase)


# ---------------------------------------------------------------------------- schema failures


def _red_flags_data() -> dict:
    return yaml.safe_load(DEFAULT_RED_FLAGS_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict, name: str = "red_flags.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _flag(data: dict, flag_id: str) -> dict:
    return next(flag for flag in data["flags"] if flag["id"] == flag_id)


def test_the_real_file_loads_with_every_suggested_id(book):
    suggested = {
        "saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction",
        "bilateral_symptoms", "severe_bilateral_weakness", "major_trauma", "vascular", "cancer_with_neuro",
        "foot_drop", "progressive_weakness", "fever_infection", "cancer_history", "weight_loss",
        "night_pain", "fragility_fracture", "spinal_deformity", "not_improving", "exercise_worsens",
    }
    assert set(book.ids) == suggested


def _break(data: dict, how: str) -> str:
    """Break the data in one way; return the entry the error must name."""
    flag = _flag(data, "weight_loss")
    if how == "unknown level":
        flag["level"] = "soon"
    elif how == "missing field":
        del flag["source"]
    elif how == "duplicate id":
        data["flags"].append(copy.deepcopy(flag))
    elif how == "pattern the Matcher rejects":
        flag["patterns"].append([{"LEMMA": {"IN": "not a list"}}])
    elif how == "unknown attribute":
        flag["patterns"].append([{"SHOE_SIZE": 9}])
    elif how == "unknown vocab":
        flag["patterns"].append("lose $no_such_words")
    elif how == "unbalanced parenthesis":
        flag["patterns"].append("(lose|drop weight")
    elif how == "unknown field":
        flag["urgency"] = "high"
    elif how == "bad history setting":
        flag["history"] = "sometimes"
    elif how == "yields to unknown flag":
        flag["yields_to"] = ["no_such_flag"]
    elif how == "escalation to unknown flag":
        data["escalations"][0]["add"] = "no_such_flag"
        return data["escalations"][0]["id"]
    elif how == "boolean in a cue list":
        data["negation_cues"]["before"].append(False)
        return "negation_cues.before"
    return "weight_loss"


@pytest.mark.parametrize(
    "how",
    [
        "unknown level", "missing field", "duplicate id", "pattern the Matcher rejects", "unknown attribute",
        "unknown vocab", "unbalanced parenthesis", "unknown field", "bad history setting",
        "yields to unknown flag", "escalation to unknown flag", "boolean in a cue list",
    ],
)
def test_a_broken_red_flags_file_is_refused(how, tmp_path):
    data = _red_flags_data()
    entry = _break(data, how)
    path = _write(tmp_path, data)
    with pytest.raises(DataFileError) as error:
        load_red_flags(path)
    assert str(path) in str(error.value)
    assert f"entry '{entry}'" in str(error.value)


def test_a_missing_red_flags_file_is_refused(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        load_red_flags(tmp_path / "nowhere.yml")


def test_the_unmodified_copy_loads(tmp_path):
    assert load_red_flags(_write(tmp_path, _red_flags_data())).ids == load_red_flags().ids


@pytest.mark.parametrize(
    "lemmas, entry",
    [
        ({"pee": ["peed"], "wee": ["peed"]}, "wee"),
        ({"pee": ["Peed"]}, "pee"),
        ({"pee": [False]}, "pee"),
        ({"pee": "peed"}, "pee"),
    ],
)
def test_a_broken_lemma_table_is_refused(lemmas, entry, tmp_path):
    path = _write(tmp_path, {"lemmas": lemmas}, "lemmas.yml")
    with pytest.raises(DataFileError) as error:
        load_lemma_table(path)
    assert f"entry '{entry}'" in str(error.value)
