"""Scoring the model's own intent: the report's labels and the red-flag thresholds."""
import json
from dataclasses import asdict

import pytest

from sciatica_rasa import nlu_eval
from sciatica_rasa.nlu_eval import (
    RULE_ONLY_INTENTS, Parsed, fallback_rate, intent_report, red_flag_thresholds, summary,
)


def test_a_label_only_the_model_gives_counts_as_an_error_but_adds_no_row():
    report = intent_report(["greet", "greet", "thank"], ["greet", "red_flag_suspected", "thank"])
    assert "red_flag_suspected" not in report
    assert report["greet"]["recall"] == 0.5 and report["thank"]["f1-score"] == 1.0
    assert abs(report["accuracy"] - 2 / 3) < 1e-9


def test_summary_reads_the_models_own_answer_or_the_final_one():
    parsed = [Parsed("a", "greet", "greet", 0.9, "greet"), Parsed("b", "deny", "affirm", 0.6, "nlu_fallback")]
    assert summary(parsed, "model")["accuracy"] == 0.5
    assert summary(parsed, "final")["confused_pairs"] == [("deny", "nlu_fallback", 1)]
    assert fallback_rate(parsed)["fallback"] == 1


def test_thresholds_count_look_alikes_sent_to_emergency_or_urgent_and_red_flags_caught_at_level():
    red_flags = [("red_flag_emergency", "emergency", 0.99), ("red_flag_gp", "emergency", 0.99),
                 ("red_flag_urgent", "urgent", 0.7), ("describe_symptoms", "gp", 0.9)]
    look_alikes = [("red_flag_urgent", 0.8), ("red_flag_gp", 0.99), ("greet", 0.99)]
    result = red_flag_thresholds(red_flags, look_alikes, thresholds=(0.5, 0.9))
    low, high = result["rows"]
    assert (low["caught"], low["caught_at_level"], low["look_alikes_to_emergency_or_urgent"]) == (3, 2, 1)
    assert (high["caught"], high["caught_at_level"], high["look_alikes_to_emergency_or_urgent"]) == (2, 1, 0)
    assert high["look_alikes_any_red_flag"] == 1
    assert result["lowest_safe_threshold"]["threshold"] == 0.9


def test_the_model_is_not_scored_on_intents_only_the_rules_give():
    parsed = [Parsed("a", "greet", "greet", 0.9, "greet"),
              Parsed("b", "red_flag_hint", "ask_sciatica_info", 0.6, "red_flag_hint")]
    model = summary(parsed, "model")
    assert (model["examples"], model["accuracy"], model["macro_f1"]) == (1, 1.0, 1.0)
    assert model["all_intents_macro_f1"] == 0.5
    assert summary(parsed, "final")["examples"] == 2


def test_the_rule_only_intents_are_those_red_flag_triage_gives_by_itself():
    from sciatica_rasa import components

    assert RULE_ONLY_INTENTS == {components.HINT_INTENT, components.URGENT_AND_HINT_INTENT,
                                 components.SUSPECTED_INTENT}


def test_texts_written_by_others_are_those_of_the_public_files_only(tmp_path):
    (tmp_path / "ours.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello there\n')
    (tmp_path / "public_forum.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples:\n  - text: Howdy all!\n'
        '    metadata:\n      source: https://example.org/a\n')
    assert nlu_eval.texts_written_by_others(tmp_path) == {"Howdy all!"}
    assert nlu_eval.texts_written_by_others(tmp_path / "ours.yml") == set()


def triage_parse(rule_level=None, flags=(), model="describe_symptoms", confidence=0.9):
    return {"triage": {"level": rule_level, "red_flags": list(flags)},
            "model_intent": {"name": model, "confidence": confidence}}


def test_rules_and_model_levels_are_read_apart():
    assert nlu_eval.rules_and_model_levels(triage_parse("emergency", ["bladder_dysfunction"], "red_flag_urgent", 0.7)) == (
        "emergency", "urgent", 0.7)
    # A suspicion of the model's own is not a level the rules named.
    assert nlu_eval.rules_and_model_levels(triage_parse("gp", ["unclassified_emergency"], "red_flag_emergency")) == (
        None, "emergency", 0.9)
    assert nlu_eval.rules_and_model_levels(triage_parse(model="red_flag_hint"))[1] is None
    assert nlu_eval.rules_and_model_levels({})[:2] == (None, None)


# (labelled level, the rules' level, the model's level, its confidence)
BEYOND_RULES_ROWS = [
    ("emergency", "emergency", None, 0.0),      # the rules refer at level: not under-referred
    ("emergency", "urgent", "emergency", 0.8),  # under-referred; the model refers at level
    ("emergency", None, "urgent", 0.9),         # under-referred; the model's level is too low
    ("urgent", None, "emergency", 0.55),        # under-referred; the model refers above level
    ("gp", None, None, 0.0),                    # not serious: not counted
    (None, None, "emergency", 0.65),            # a look-alike the model would send on
    (None, "urgent", "urgent", 0.9),            # a look-alike the rules already sent: not counted
    (None, None, "gp", 0.9),                    # GP level is not emergency or urgent
]


def test_beyond_rules_counts_what_the_model_would_add():
    rows = {r["threshold"]: r for r in nlu_eval.beyond_rules(BEYOND_RULES_ROWS, (0.5, 0.6, 0.7, 0.85))}
    assert {t: (r["serious_under_referred"], r["model_refers_at_level"], r["look_alikes"], r["look_alikes_sent_on"])
            for t, r in rows.items()} == {0.5: (3, 2, 2, 1), 0.6: (3, 1, 2, 1), 0.7: (3, 1, 2, 0), 0.85: (3, 0, 2, 0)}


def test_a_components_config_is_its_defaults_under_what_config_yml_sets(tmp_path):
    from sciatica_rasa.dense import SentenceEncoderFeaturizer

    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: SpacyTokenizer\n"
                      "  - name: sciatica_rasa.dense.SentenceEncoderFeaturizer\n    model: build/encoders/other\n")
    settings = nlu_eval.component_config(SentenceEncoderFeaturizer, config)
    assert settings["model"] == "build/encoders/other" and "name" not in settings
    assert settings["cache_size"] == SentenceEncoderFeaturizer.get_default_config()["cache_size"]


def parsed(text, truth, model):
    return Parsed(text=text, truth=truth, model=model, model_confidence=0.9, final=model)


def test_label_agreement_compares_both_labellings_and_the_model_where_they_agree():
    rows = [parsed("hi", "greet", "greet"), parsed("bye", "goodbye", "goodbye"),
            parsed("no, that's all", "goodbye", "deny"), parsed("ta", "thank", "greet")]
    second = {"hi": "greet", "bye": "goodbye", "no, that's all": "deny", "ta": "thank"}

    agreed = nlu_eval.label_agreement(rows, second)

    assert agreed["agreement"] == 0.75 and agreed["both_agree"] == 3
    # Where both agree the model misses only "ta"; against the second labelling "deny" is right.
    assert agreed["model_accuracy_where_both_agree"] == 2 / 3
    assert agreed["model_macro_f1_against_second"] > agreed["model_macro_f1"]
    assert 0 < agreed["kappa"] < 1


def test_label_agreement_leaves_the_rule_only_intents_out_of_the_models_score():
    rows = [parsed("hi", "greet", "greet"), parsed("can sciatica cause that?", "red_flag_hint", "check_symptoms")]
    agreed = nlu_eval.label_agreement(rows, {"hi": "greet", "can sciatica cause that?": "red_flag_hint"})
    assert agreed["model_macro_f1"] == 1.0 and agreed["both_agree"] == 1


def test_a_second_labelling_must_cover_the_file_exactly():
    with pytest.raises(ValueError, match="covers 1 of the file's 2 messages"):
        nlu_eval.label_agreement([parsed("hi", "greet", "greet"), parsed("bye", "goodbye", "goodbye")], {"hi": "greet"})


def test_a_second_labelling_with_an_intent_not_in_the_domain_fails_at_load(tmp_path):
    path = tmp_path / "second.json"
    path.write_text(json.dumps({"tests/x.yml": {"hi": "greeting"}}))
    with pytest.raises(ValueError, match=r"intents not in the domain: \['greeting'\]"):
        nlu_eval.read_second_labels(path, ["greet"])


def scored_file(*rows: Parsed) -> dict:
    return {"file": "tests/dev.yml", "parsed": [asdict(row) for row in rows]}


def test_a_message_trained_on_is_scored_by_the_fold_model_that_did_not_see_it():
    result = scored_file(parsed("hi", "greet", "greet"), parsed("ta", "thank", "thank"))
    folds = [asdict(parsed("ta", "thank", "greet")), asdict(parsed("an own example", "deny", "deny"))]

    scored = nlu_eval.scored_by_folds(result, {"ta"}, folds)

    assert [row["model"] for row in scored["parsed"]] == ["greet", "greet"]
    assert scored["model"]["accuracy"] == 0.5 and scored["trained_on"] == 1 and scored["scored_by_folds"]


def test_without_folds_the_messages_trained_on_are_left_out():
    result = scored_file(parsed("hi", "greet", "greet"), parsed("ta", "thank", "thank"))
    scored = nlu_eval.scored_by_folds(result, {"ta"}, None)
    assert [row["text"] for row in scored["parsed"]] == ["hi"] and not scored["scored_by_folds"]


def test_a_message_trained_on_but_in_no_fold_fails_loudly():
    with pytest.raises(ValueError, match="in no fold"):
        nlu_eval.scored_by_folds(scored_file(parsed("ta", "thank", "thank")), {"ta"}, [])
