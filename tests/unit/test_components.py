"""The in-process NLU components over the project's built spaCy pipeline."""
import numpy as np
import pytest
import spacy
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

import sciatica.nlp.lemmatizer  # noqa: F401  (registers the factories)
import sciatica.nlp.red_flags  # noqa: F401
from sciatica.nlp.pipeline import DEFAULT_OUTPUT, ensure_pipeline
from sciatica.triage import FINDING_FEATURES
from sciatica_rasa.components import (
    DomainEntityExtractor,
    RedFlagFindingsFeaturizer,
    RedFlagTriage,
    TypedCommandMarker,
)


@pytest.fixture(scope="module")
def model() -> SpacyModel:
    ensure_pipeline()
    return SpacyModel(model=spacy.load(DEFAULT_OUTPUT), model_name=str(DEFAULT_OUTPUT))


def message(text, intent="greet", confidence=0.9):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "other", "confidence": 1 - confidence}]
    return Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})


def triage(model, msg):
    RedFlagTriage(RedFlagTriage.get_default_config()).process([msg], model)
    return msg.get("intent")["name"], [e["value"] for e in msg.get("entities", []) if e["entity"] == "red_flag"]


def test_rule_detection_overrides_the_intent(model):
    assert triage(model, message("i cant feel the toilet paper when i wipe")) == (
        "red_flag_emergency", ["saddle_anaesthesia"],
    )


def test_model_only_red_flag_is_a_suspected_flag(model):
    assert triage(model, message("something odd", "red_flag_emergency", 0.9)) == (
        "red_flag_suspected", ["unclassified_emergency"],
    )


def test_model_raises_the_level_of_a_flag_the_rules_name(model):
    assert triage(model, message("i have a fever and my back aches", "red_flag_emergency", 0.9)) == (
        "red_flag_emergency", ["fever_infection"],
    )


def test_uncertain_model_red_flag_is_demoted(model):
    assert triage(model, message("something odd", "red_flag_urgent", 0.3)) == ("other", [])


def test_negation_read_by_the_rules_vetoes_the_model(model):
    assert triage(model, message("no bladder problems at all", "red_flag_emergency", 0.95)) == ("other", [])


def test_a_red_flag_next_to_a_negation_still_refers(model):
    name, flags = triage(model, message("no bladder problems but i cant feel my bum when i wipe", "deny", 0.9))
    assert name == "red_flag_emergency"
    assert "saddle_anaesthesia" in flags


def test_other_language_gets_its_intent(model):
    assert triage(model, message("me duele mucho la espalda y la pierna"))[0] == "non_english"


def test_entities_carry_canonical_values(model):
    msg = message("a stretch for my bum and the back of my thigh, left side")
    msg.set("text_spacy_doc", model.model(msg.get("text").lower()))
    DomainEntityExtractor(DomainEntityExtractor.get_default_config()).process([msg], model)
    values = {(e["entity"], e["value"]) for e in msg.get("entities")}
    assert {("body_area", "glutes"), ("body_area", "hamstrings"), ("side", "left")} <= values


def findings(model, text, weight=0.3, finding_weight=None):
    msg = Message(data={"text": text})
    config = {**RedFlagFindingsFeaturizer.get_default_config(), "weight": weight, "finding_weight": finding_weight}
    RedFlagFindingsFeaturizer(config, "findings").process([msg], model)
    sequence, sentence = msg.get_dense_features("text")
    assert sequence is None
    return dict(zip(FINDING_FEATURES, sentence.features[0]))


def test_findings_featurizer_gives_the_rules_reading_weighted(model):
    found = findings(model, "i cant feel the toilet paper when i wipe", weight=0.5)
    assert found["finding_emergency"] == pytest.approx(0.5)
    assert found["finding_urgent"] == 0.0 and found["only_negated"] == 0.0
    assert findings(model, "no bladder problems at all")["only_negated"] == pytest.approx(0.3)
    assert not any(findings(model, "both my knees crack").values())


def test_findings_go_next_to_the_sentence_vector(model):
    msg = Message(data={"text": "numbness in both legs"})
    vector = np.full((1, 4), 0.5, dtype=np.float32)
    msg.add_features(Features(vector, "sentence", "text", "encoder"))
    RedFlagFindingsFeaturizer(RedFlagFindingsFeaturizer.get_default_config(), "findings").process([msg], model)
    _, sentence = msg.get_dense_features("text")
    assert sentence.features.shape == (1, 4 + len(FINDING_FEATURES))
    assert list(sentence.features[0, :4]) == [0.5] * 4


@pytest.mark.parametrize("text, name", [
    ("i cant feel the toilet paper when i wipe", "finding_emergency"),
    ("no bladder problems at all", "only_negated"),
    ("can sciatica affect your bladder", "topic_emergency"),
])
def test_finding_weight_scales_only_affirmed_findings(model, text, name):
    found = findings(model, text, weight=0.3, finding_weight=2.0)
    assert found[name] > 0
    for feature, value in found.items():
        assert value in (0.0, pytest.approx(2.0 if feature.startswith("finding_") else 0.3)), feature


@pytest.mark.parametrize("config", [{"weight": 0}, {"weight": 0.3, "finding_weight": 0}, {"weight": 0.3, "finding_weight": -1}])
def test_findings_featurizer_refuses_a_weight_of_zero(config):
    with pytest.raises(ValueError, match="weight"):
        RedFlagFindingsFeaturizer.validate_config(config)


def test_typed_command_mark_is_passed_on():
    msg = Message(data={"text": "affirm", "metadata": {"typed_command": True}})
    TypedCommandMarker({}).process([msg])
    assert msg.as_dict(only_output_properties=True).get("typed_command") is True


def hints(msg):
    return [(e["value"], e["text"]) for e in msg.get("entities", []) if e["entity"] == "red_flag_hint"]


def scope(msg):
    return [e["value"] for e in msg.get("entities", []) if e["entity"] == "screening_scope"]


def test_a_topic_touched_is_a_hint_in_the_persons_words(model):
    msg = message("can sciatica cause bladder problems?", "ask_medication", 0.9)
    assert triage(model, msg) == ("red_flag_hint", [])
    assert hints(msg) == [("bladder_dysfunction", "bladder")]
    assert scope(msg) == ["hinted"]  # a question about sciatica: only the topic is asked about


def test_a_hint_while_describing_symptoms_asks_everything_after_it(model):
    msg = message("my sciatica is bad and my bum feels a bit odd", "describe_symptoms", 0.9)
    assert triage(model, msg)[0] in ("red_flag_hint", "red_flag_emergency")
    if msg.get("intent")["name"] == "red_flag_hint":
        assert scope(msg) == ["full"]


def test_describing_symptoms_alone_asks_every_question(model):
    msg = message("I've had sciatica in my left leg for 3 weeks", "describe_symptoms", 0.9)
    assert triage(model, msg) == ("describe_symptoms", [])
    assert scope(msg) == ["full"]


def test_the_model_does_not_turn_a_gp_finding_into_a_referral_before_the_screening(model):
    assert triage(model, message("my sciatica is getting worse and worse", "red_flag_urgent", 0.95)) == (
        "red_flag_gp", ["not_improving"],
    )


def test_an_urgent_finding_with_a_more_urgent_topic_is_referred_then_asked(model):
    msg = message("I have a high temperature and something's up with my waterworks")
    name, flags = triage(model, msg)
    assert (name, flags) == ("red_flag_urgent_ask", ["fever_infection"])
    assert [value for value, _ in hints(msg)] == ["bladder_dysfunction"]


def test_markers_are_kept_in_the_parse_data_for_the_summary(model):
    msg = message("i inject drugs", "greet", 0.9)
    assert triage(model, msg) == ("red_flag_urgent", ["fever_infection"])
    assert msg.get("triage")["markers"] == ["infection_risk"]
    alone = message("i have trouble walking", "greet", 0.9)
    triage(model, alone)
    assert "new_neuro" in alone.get("triage")["markers"]
    plain = message("what stretch for piriformis", "ask_exercise", 0.9)
    triage(model, plain)
    assert plain.get("triage") is None


def test_the_models_own_intent_is_kept_whatever_the_triage_decides(model):
    msg = message("i cant feel the toilet paper when i wipe", "describe_symptoms", 0.8)
    triage(model, msg)
    assert msg.get("intent")["name"] == "red_flag_emergency"
    assert msg.get("model_intent") == {"name": "describe_symptoms", "confidence": 0.8}
    fallback = Message(data={"text": "something odd", "intent": {"name": "nlu_fallback", "confidence": 1.0},
                             "intent_ranking": [{"name": "nlu_fallback", "confidence": 1.0},
                                                {"name": "red_flag_urgent", "confidence": 0.3}]})
    triage(model, fallback)
    assert fallback.get("model_intent") == {"name": "red_flag_urgent", "confidence": 0.3}


def test_a_less_sure_model_may_start_the_screening_but_not_raise_a_level(model):
    config = {**RedFlagTriage.get_default_config(), "model_threshold": 0.15, "raise_threshold": 0.5}

    def triage_with(msg):
        RedFlagTriage(config).process([msg], model)
        return msg.get("intent")["name"], [e["value"] for e in msg.get("entities", []) if e["entity"] == "red_flag"]

    assert triage_with(message("something odd", "red_flag_emergency", 0.3)) == (
        "red_flag_suspected", ["unclassified_emergency"])
    assert triage_with(message("i have a fever and my back aches", "red_flag_emergency", 0.3)) == (
        "red_flag_urgent", ["fever_infection"])
    assert triage_with(message("i have a fever and my back aches", "red_flag_emergency", 0.6)) == (
        "red_flag_emergency", ["fever_infection"])
