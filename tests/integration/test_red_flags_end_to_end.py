"""Every labelled red-flag case through the trained model and the REST channel.

The unit tests run the same set against the rule detector alone. Here the
trained model may add referrals (either detector refers), so each red flag must
be referred at or above its level, in a first message and in the middle of a
conversation, and no look-alike may reach emergency or urgent.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from rest_helpers import Conversation, customs

CASES = yaml.safe_load((Path(__file__).parents[1] / "data" / "red_flag_cases.yml").read_text())["cases"]
RANK = {None: 0, "gp": 1, "urgent": 2, "emergency": 3}
SERIOUS = {"urgent", "emergency"}


def referral(replies):
    found = customs(replies, "referral")
    return found[0] if found else {"level": None, "red_flags": []}


@pytest.fixture(scope="module")
def first_message_results(stack):
    return [(case, referral(Conversation(stack).say(case["text"]))) for case in CASES]


def test_every_red_flag_is_referred_at_or_above_its_level(first_message_results):
    missed = [
        (case["text"], case["expect_level"], got["level"])
        for case, got in first_message_results
        if RANK[got["level"]] < RANK[case["expect_level"]]
    ]
    assert not missed, f"{len(missed)} red flags referred too low: {missed}"


def test_look_alikes_are_not_sent_to_emergency_or_urgent(first_message_results):
    over = [
        (case["text"], got["level"], got["red_flags"])
        for case, got in first_message_results
        if case["expect_level"] not in SERIOUS and got["level"] in SERIOUS
    ]
    assert not over, f"{len(over)} look-alikes over-referred: {over}"


def test_recall_and_precision_per_flag(first_message_results):
    expected, found, both = Counter(), Counter(), Counter()
    for case, got in first_message_results:
        want, have = set(case["expect_flags"]), set(got["red_flags"])
        expected.update(want)
        found.update(have)
        both.update(want & have)
    print("\nflag                        recall  precision  (end to end, REST)")
    for flag in sorted(set(expected) | set(found)):
        recall = both[flag] / expected[flag] if expected[flag] else float("nan")
        precision = both[flag] / found[flag] if found[flag] else float("nan")
        print(f"{flag:<28}{recall:>6.2f}  {precision:>9.2f}")
    serious = [c for c, _ in first_message_results if c["expect_level"] in SERIOUS]
    assert serious and all(expected[f] for c in serious for f in c["expect_flags"])


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["expect_level"] in SERIOUS], ids=lambda c: c["text"][:40]
)
def test_red_flag_after_an_exercise_answer_is_referred(stack, case):
    conversation = Conversation(stack)
    conversation.say("what stretch for piriformis")
    got = referral(conversation.say(case["text"]))
    assert RANK[got["level"]] >= RANK[case["expect_level"]], got


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["expect_level"] == "emergency"][::4],
    ids=lambda c: c["text"][:40],
)
def test_emergency_in_the_middle_of_the_screening_is_referred(stack, case):
    conversation = Conversation(stack)
    conversation.say("I've got sciatica down my left leg")
    got = referral(conversation.say(case["text"]))
    assert got["level"] == "emergency", got
