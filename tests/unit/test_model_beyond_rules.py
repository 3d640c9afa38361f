"""What the model's own red-flag intents would add to the rules (scripts/model_beyond_rules.py)."""
import importlib.util

from sciatica import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("model_beyond_rules", PROJECT_ROOT / "scripts" / "model_beyond_rules.py")
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)


def parse(rule_level=None, flags=(), model="describe_symptoms", confidence=0.9):
    return {"triage": {"level": rule_level, "red_flags": list(flags)},
            "model_intent": {"name": model, "confidence": confidence}}


def test_levels_of_reads_the_rules_and_the_model_apart():
    assert script.levels_of(parse("emergency", ["bladder_dysfunction"], "red_flag_urgent", 0.7)) == (
        "emergency", "urgent", 0.7)
    # A suspicion of the model's own is not a level the rules gave.
    assert script.levels_of(parse("gp", ["unclassified_emergency"], "red_flag_emergency")) == (None, "emergency", 0.9)
    assert script.levels_of(parse(model="red_flag_hint"))[1] is None
    assert script.levels_of({})[:2] == (None, None)


# (labelled level, rules' level, model's level, model's confidence)
ROWS = [
    ("emergency", "emergency", None, 0.0),     # the rules refer: not counted as missed
    ("emergency", "urgent", "emergency", 0.8),  # under-referred, the model refers at level
    ("emergency", None, "urgent", 0.9),         # under-referred, the model's level too low
    ("urgent", None, "emergency", 0.55),        # under-referred, the model refers above level
    ("gp", None, None, 0.0),                    # not serious: not counted
    (None, None, "emergency", 0.65),            # look-alike the model would send on
    (None, "urgent", "urgent", 0.9),            # look-alike the rules already sent: not "more"
    (None, None, "gp", 0.9),                    # GP level is not emergency or urgent
]


def test_counts_what_the_model_adds_at_each_threshold():
    assert script.count(ROWS, 0.5) == (3, 2, 3, 1)
    assert script.count(ROWS, 0.6) == (3, 1, 3, 1)
    assert script.count(ROWS, 0.7) == (3, 1, 3, 0)
    assert script.count(ROWS, 0.85) == (3, 0, 3, 0)
