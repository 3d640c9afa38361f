"""Faults: restarts, an action server that is down or hangs, and broken content at start.

The running-server tests share the session's servers and leave them running.
The start-up tests run a server that must refuse to start, and check that it
stops by itself with a message naming the problem, never serving half a bot.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from bot_clients import (
    MODEL, RASA, TEST_ACTION_TIMEOUT, RestUser, customs, free_port, run_to_exit, sqlite_url, texts,
    user_texts_by_sender,
)

from sciatica import DATA_DIR, DATA_DIR_ENV
from sciatica.catalog import default_catalog
from sciatica.exercise_answers import follow_up
from sciatica_rasa.channels import NO_MODEL_EXIT_CODE, NO_REPLY_FALLBACK, SUMMARY_PAYLOAD, SUMMARY_UNAVAILABLE_REPLY
from sciatica_rasa.stack import ROOT

RED_FLAG = "I can't feel the toilet paper when I wipe"


def test_a_conversation_survives_a_restart_of_both_servers(servers):
    user = RestUser(servers.rasa_url)
    [exercise] = customs(user.say("how do I do a clamshell"), "exercise")
    assert exercise["id"] == "clamshell"

    servers.restart(("actions", "rasa"))

    replies = user.say("how long do I hold it?")
    assert follow_up(default_catalog().get("clamshell"), "hold_time") in texts(replies)
    kept = user_texts_by_sender(sqlite_url(servers.tracker_db), [user.sender])
    assert kept == {user.sender: ["how do I do a clamshell", "how long do I hold it?"]}


def assert_trouble_with_safety_advice(replies):
    said = texts(replies)
    assert NO_REPLY_FALLBACK in said
    assert "trouble" in said and "999" in said and "112" in said


def assert_emergency_referral(replies):
    referrals = customs(replies, "referral")
    assert [r["level"] for r in referrals] == ["emergency"]
    assert "999" in texts(replies)


def test_with_the_action_server_down_the_bot_says_so_and_still_refers(servers):
    servers.stop(("actions",))
    try:
        assert_trouble_with_safety_advice(RestUser(servers.rasa_url).say("what stretch for piriformis"))
        referred = RestUser(servers.rasa_url)
        replies = referred.say(RED_FLAG)
        assert_emergency_referral(replies)
        # The referral's quick reply is harmless without the action server: it says so.
        assert {"title": "Summary for a doctor", "payload": SUMMARY_PAYLOAD} in replies[0]["buttons"]
        assert texts(referred.say(SUMMARY_PAYLOAD)) == SUMMARY_UNAVAILABLE_REPLY
    finally:
        servers.start(("actions",))
        servers.wait_ready(timeout=120, names=("actions",))
    [exercise] = customs(RestUser(servers.rasa_url).say("what stretch for piriformis"), "exercise")
    assert exercise["id"] == "piriformis_stretch"


class _HangingActions(BaseHTTPRequestHandler):
    """An action server that answers its health check but hangs on every action."""

    delay = 2 * TEST_ACTION_TIMEOUT

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._answer(b'{"status": "ok"}')

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay)
        self._answer(b'{"events": [], "responses": []}')

    def _answer(self, body: bytes) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the caller gave up waiting, as it should

    def log_message(self, *args):
        pass


def test_a_hanging_action_server_costs_seconds_not_minutes(servers):
    servers.stop(("actions",))
    stub = ThreadingHTTPServer(("127.0.0.1", servers.ports.actions), _HangingActions)
    stub.daemon_threads = True
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        replies = RestUser(servers.rasa_url).say("what stretch for piriformis", timeout=120)
        waited = time.monotonic() - started
        assert_trouble_with_safety_advice(replies)
        assert TEST_ACTION_TIMEOUT - 1 <= waited < TEST_ACTION_TIMEOUT + 15
        assert_emergency_referral(RestUser(servers.rasa_url).say(RED_FLAG, timeout=120))
    finally:
        stub.shutdown()
        stub.server_close()
        servers.start(("actions",))
        servers.wait_ready(timeout=120, names=("actions",))


# -- refusing to start ---------------------------------------------------------------------


def broken_data_dir(tmp_path: Path, relative: str, content: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / relative).write_text(content)
    return data


def catalog_without_steps() -> str:
    catalog = yaml.safe_load((DATA_DIR / "catalog" / "exercises.yml").read_text())
    del catalog["exercises"][0]["steps"]
    return yaml.safe_dump(catalog, allow_unicode=True)


def red_flags_with_flags(flags) -> str:
    """The real red-flag file with only its `flags` broken (the word lists load first)."""
    book = yaml.safe_load((DATA_DIR / "triage" / "red_flags.yml").read_text())
    book["flags"] = flags
    return yaml.safe_dump(book, allow_unicode=True)


def server_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != DATA_DIR_ENV}
    env.update(RASA_TELEMETRY_ENABLED="false", ACTIONS_PORT=str(free_port()), **extra)
    return env


BROKEN_FILES = [
    ("catalog/exercises.yml", "exercises:\n  - id: [broken\n", "invalid YAML"),
    ("catalog/exercises.yml", catalog_without_steps(), "entry 'knee_to_chest': missing or empty field 'steps'"),
    ("triage/red_flags.yml", red_flags_with_flags(42), "'flags' must be a non-empty list"),
    ("triage/screening.yml", "", "expected a mapping"),
]


@pytest.mark.parametrize("relative, content, says", BROKEN_FILES, ids=[f"{r} ({s})" for r, _, s in BROKEN_FILES])
def test_the_action_server_refuses_to_start_with_a_broken_content_file(tmp_path, relative, content, says):
    data = broken_data_dir(tmp_path, relative, content)
    code, output = run_to_exit(
        [RASA, "run", "actions", "--actions", "actions", "--port", str(free_port())],
        cwd=ROOT, env=server_env(**{DATA_DIR_ENV: str(data)}), timeout=120,
    )
    assert code != 0
    assert "Refusing to start" in output
    assert str(data / relative) in output and says in output


def rasa_server(model: Path, workdir: Path = ROOT) -> list[str]:
    return [
        RASA, "run", "--model", str(model), "--port", str(free_port()),
        "--endpoints", str(ROOT / "endpoints.yml"), "--credentials", str(ROOT / "credentials.yml"),
    ]


def test_the_rasa_server_stops_when_the_model_is_missing(tmp_path):
    code, output = run_to_exit(
        rasa_server(tmp_path / "missing.tar.gz"), cwd=tmp_path,
        env=server_env(TRACKER_DB=str(tmp_path / "rasa.db"), LOCK_DB=str(tmp_path / "locks.db")), timeout=180,
    )
    assert "No model found" in output, output[-2000:]


def test_the_rasa_server_refuses_to_serve_without_its_spacy_pipeline(tmp_path):
    # Run from a folder without build/spacy: the model names the pipeline by a relative path.
    code, output = run_to_exit(
        rasa_server(MODEL), cwd=tmp_path, env=server_env(TRACKER_DB=str(tmp_path / "rasa.db"), LOCK_DB=str(tmp_path / "locks.db")), timeout=180,
    )
    assert code == NO_MODEL_EXIT_CODE, output[-2000:]
    assert "spaCy pipeline is missing" in output
    assert "Refusing to serve" in output


@pytest.mark.parametrize(
    "relative, content, says",
    [("triage/red_flags.yml", "flags: [\n", "invalid YAML"),
     ("nlp/languages.yml", "english: [the]\nothers: {spanish: []}\n", "entry 'others.spanish'")],
    ids=["red flags", "languages"],
)
def test_the_rasa_server_red_flag_component_refuses_a_broken_data_file(tmp_path, relative, content, says):
    # What the Rasa server runs while loading its model, which then refuses to
    # serve (as with the missing spaCy pipeline), without a whole model load.
    data = broken_data_dir(tmp_path, relative, content)
    code = "from sciatica_rasa.components import RedFlagTriage; RedFlagTriage(RedFlagTriage.get_default_config())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=server_env(**{DATA_DIR_ENV: str(data)}),
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert f"{data / relative}" in done.stderr and says in done.stderr


def test_make_run_names_the_failing_server_and_its_log(tmp_path):
    data = broken_data_dir(tmp_path, "catalog/exercises.yml", "exercises:\n  - id: [broken\n")
    env = server_env(
        **{DATA_DIR_ENV: str(data)}, RASA_PORT=str(free_port()), WEB_PORT=str(free_port()),
        TRACKER_DB=str(tmp_path / "rasa.db"), LOG_DIR=str(tmp_path / "log"),
    )
    done = subprocess.run(
        [sys.executable, "scripts/serve.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 1
    assert "the actions server stopped" in done.stderr
    assert str(data / "catalog" / "exercises.yml") in done.stderr  # the reason, from the log
    assert str(tmp_path / "log" / "actions.log") in done.stderr
