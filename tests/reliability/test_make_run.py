"""`make run` itself (scripts/serve.py): a crashed server comes back, signals stop everything once, a busy port is named.

Each test runs serve.py on free ports with logs of its own, as `make run` does.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot_clients import MODEL, RestUser, customs, free_port, texts

from sciatica_rasa.stack import ROOT, listening_process_groups

RED_FLAG = "I can't feel the toilet paper when I wipe"
EXERCISES_BACK_WITHIN = 30.0  # seconds, after the action server was killed


class MakeRun:
    """scripts/serve.py in the background, its output collected line by line."""

    def __init__(self, tmp_path: Path, **env: str):
        self.ports = {"RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port()}
        self.env = {
            **os.environ, **{k: str(v) for k, v in self.ports.items()},
            "TRACKER_DB": str(tmp_path / "rasa.db"), "LOCK_DB": str(tmp_path / "locks.db"),
            "LOG_DIR": str(tmp_path / "log"), **env,
        }
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py"], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['RASA_PORT']}"

    def wait_for_line(self, text: str, timeout: float = 300.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in self.lines if text in line), None)
            if found:
                return found
            assert self.process.poll() is None, f"serve.py exited early: {self.lines}"
            time.sleep(0.2)
        raise AssertionError(f"no line with {text!r} after {timeout:.0f} s: {self.lines}")

    def server_groups(self) -> set[int]:
        """Process groups listening on the stack's ports: one per server it started."""
        groups: set[int] = set()
        for port in self.ports.values():
            groups |= listening_process_groups(port) or set()
        return groups

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def make_run(tmp_path):
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    started: list[MakeRun] = []

    def start(**env: str) -> MakeRun:
        run = MakeRun(tmp_path, **env)
        started.append(run)
        return run

    yield start
    for run in started:
        groups = run.server_groups()
        run.kill()
        for group in groups:  # only after a failed test: the tests check that none is left
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_crashed_action_server_is_restarted_while_rasa_keeps_referring_and_two_sigterms_stop_everything(make_run):
    run = make_run()
    run.wait_for_line("run: open http")
    groups = run.server_groups()
    assert len(groups) == 3, run.lines

    actions = next(iter(listening_process_groups(run.ports["ACTIONS_PORT"])))
    os.killpg(actions, signal.SIGKILL)
    killed = time.monotonic()
    # The emergency referral is a domain response: no action server needed.
    replies = RestUser(run.rasa_url).say(RED_FLAG)
    assert [r["level"] for r in customs(replies, "referral")] == ["emergency"]
    assert "999" in texts(replies)
    run.wait_for_line("run: the actions server stopped after serving")
    while True:
        found = customs(RestUser(run.rasa_url).say("what stretch for piriformis"), "exercise")
        if found:
            break
        assert time.monotonic() - killed < EXERCISES_BACK_WITHIN, run.lines
        time.sleep(1)
    assert found[0]["id"] == "piriformis_stretch"
    run.wait_for_line("run: the actions server is back")

    groups = run.server_groups()
    run.process.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(60) == 0, run.lines
    assert [g for g in groups if group_alive(g)] == [], run.lines
    assert "run: stopped" in run.lines


def test_two_ctrl_c_while_starting_leave_no_server_running(make_run):
    run = make_run()
    run.wait_for_line("run: starting")
    deadline = time.monotonic() + 60
    while not listening_process_groups(run.ports["ACTIONS_PORT"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    groups = run.server_groups()
    assert groups, "the action server never listened"
    time.sleep(1)  # Rasa is loading its model now
    run.process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    run.process.send_signal(signal.SIGINT)
    assert run.process.wait(60) == 0, run.lines
    assert [g for g in groups if group_alive(g)] == [], run.lines
    for port in run.ports.values():
        assert not listening_process_groups(port), f"port {port} is still served"


def test_a_busy_port_is_named_and_nothing_starts(make_run):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        run = make_run(RASA_PORT=str(port))
        assert run.process.wait(30) == 1
        time.sleep(0.2)  # the reader thread has the last lines
    expected = f"port {port} is in use: another `make run`? stop it or set RASA_PORT"
    assert any(expected in line for line in run.lines), run.lines
    assert not any("ready" in line or "starting" in line for line in run.lines), run.lines
