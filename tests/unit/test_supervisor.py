"""The supervisor's decisions, with a stack of fake processes and a fake clock."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sciatica_rasa.supervisor import BACKOFF_SECONDS, MAX_CRASHES_AT_START, GaveUp, Supervisor


@dataclass
class FakeProcess:
    returncode: int | None = None

    def poll(self):
        return self.returncode


@dataclass
class FakeStack:
    processes: dict = field(default_factory=dict)
    answering: set = field(default_factory=set)
    starts: list = field(default_factory=list)

    def start(self, names):
        for name in names:
            self.processes[name] = FakeProcess()
            self.starts.append(name)

    def stop(self, names, timeout=15.0):
        for name in names:
            self.processes.pop(name, None)

    def answers(self, name):
        return name in self.answering and self.processes[name].poll() is None


def supervisor():
    now = [0.0]
    said: list[str] = []
    stack = FakeStack()
    sup = Supervisor(stack, say=said.append, clock=lambda: now[0])
    return sup, stack, now, said


def test_a_crash_after_start_restarts_only_that_server_after_a_backoff():
    sup, stack, now, said = supervisor()
    sup.start(("actions", "rasa"))
    stack.answering |= {"actions", "rasa"}
    sup.step()
    assert sup.ready
    stack.processes["actions"].returncode = -9
    sup.step()
    assert said == [f"run: the actions server stopped after serving (exit code -9); restarting it in {BACKOFF_SECONDS[0]} s"]
    assert not sup.ready and "rasa" in stack.processes
    now[0] += BACKOFF_SECONDS[0]
    sup.step()
    assert stack.starts == ["actions", "rasa", "actions"]
    now[0] += 3
    sup.step()
    assert sup.ready and said[-1].startswith("run: the actions server is back")


def test_a_server_that_keeps_crashing_at_start_is_given_up_on():
    sup, stack, now, said = supervisor()
    sup.start(("actions",))
    with pytest.raises(GaveUp, match="stopped 3 times while starting"):
        for _ in range(MAX_CRASHES_AT_START):
            stack.processes["actions"].returncode = 1
            sup.step()
            now[0] += 60
            sup.step()
    assert len(said) == MAX_CRASHES_AT_START - 1
