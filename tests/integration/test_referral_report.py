"""scripts/referral_report.py on the tracker store the real servers filled (SQLite)."""
from __future__ import annotations

import json
import subprocess
import sys

from rest_helpers import Conversation, customs
from sciatica_rasa.stack import ROOT

SCRIPT = ROOT / "scripts" / "referral_report.py"
HINT = "can sciatica affect my bladder"


def report(stack, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--url", f"sqlite:///{stack.tracker_db}", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_referrals_screenings_and_topics_left_without_a_referral(stack):
    emergency, hint_answered_no, screened = Conversation(stack), Conversation(stack), Conversation(stack)
    assert customs(emergency.say("I can't feel the toilet paper when I wipe"), "referral")
    assert customs(hint_answered_no.say(HINT), "safety_question")
    hint_answered_no.say("no")
    screened.say("I have sciatica in my right leg")
    for _ in range(12):
        if customs(screened.say("no"), "exercise"):
            break

    done = report(stack, "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    referred = {(row["level"], row["red_flag"]) for row in found["referrals"]}
    assert ("emergency", "saddle_anaesthesia") in referred
    assert sum(day["started"] for day in found["screenings"]) >= 2
    assert sum(day["completed"] for day in found["screenings"]) >= 2
    unreferred = {row["conversation"]: row for row in found["unreferred"]}
    assert hint_answered_no.sender in unreferred
    assert unreferred[hint_answered_no.sender]["topics"] == ["bladder_dysfunction (hint)"]
    assert unreferred[hint_answered_no.sender]["screening_completed"] is True
    assert emergency.sender not in unreferred and screened.sender not in unreferred
    # What people wrote stays out of the report unless asked for.
    assert HINT not in done.stdout and "toilet paper" not in done.stdout
    table = report(stack)
    assert table.returncode == 0 and hint_answered_no.sender in table.stdout and HINT not in table.stdout
    with_text = report(stack, "--show-text")
    assert f"{hint_answered_no.sender} said: {HINT}" in with_text.stdout


def test_a_missing_store_is_named(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--url", f"sqlite:///{tmp_path / 'none.db'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "none.db" in done.stderr
