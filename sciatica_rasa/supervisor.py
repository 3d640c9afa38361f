"""Keep the bot's processes serving: restart one that crashed, give up on one that cannot start.

A crash of one process never stops the others: with the action server down, the
Rasa server still answers a red flag with its referral (a domain response), and
the action server is back a few seconds later. A process that exits before it
ever answered is retried too (with backoff), and given up on after
`MAX_CRASHES_AT_START` tries in a row: that is a broken start, not bad luck.

`step()` does one round of checks and returns; the caller decides how often,
and stops the stack itself (see scripts/serve.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from sciatica_rasa.stack import Stack

MAX_CRASHES_AT_START = 3
BACKOFF_SECONDS = (1, 2, 4, 8, 15, 30)
# A process that served this long before it crashed starts again from the shortest wait.
STABLE_SECONDS = 60.0


class GaveUp(RuntimeError):
    """A process crashed at start MAX_CRASHES_AT_START times in a row."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass
class _Child:
    started: float
    ready_since: float | None = None
    crashes_at_start: int = 0
    crashes: int = 0  # since it last served STABLE_SECONDS
    restart_at: float | None = None
    was_restarted: bool = False


@dataclass
class Supervisor:
    stack: Stack
    say: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    children: dict[str, _Child] = field(default_factory=dict)

    def start(self, names: tuple[str, ...] = ("actions", "rasa", "web")) -> None:
        self.stack.start(names)
        now = self.clock()
        self.children = {name: _Child(started=now) for name in names}

    @property
    def ready(self) -> bool:
        return all(child.ready_since is not None for child in self.children.values())

    def step(self) -> None:
        now = self.clock()
        for name, child in self.children.items():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._restart(name, child, now)
                continue
            process = self.stack.processes[name]
            if process.poll() is not None:
                self._crashed(name, child, process.returncode, now)
            elif child.ready_since is None and self.stack.answers(name):
                child.ready_since = now
                if child.was_restarted:
                    self.say(f"run: the {name} server is back ({now - child.started:.0f} s to start)")

    def _crashed(self, name: str, child: _Child, code: int, now: float) -> None:
        # Whatever it left behind in its process group goes too, before a new one starts.
        self.stack.stop((name,), timeout=1.0)
        if child.ready_since is None:
            child.crashes_at_start += 1
            if child.crashes_at_start >= MAX_CRASHES_AT_START:
                raise GaveUp(name, f"the {name} server stopped {child.crashes_at_start} times while starting "
                                   f"(last exit code {code}); giving up")
            what = "while starting"
        else:
            child.crashes_at_start = 0
            if now - child.ready_since >= STABLE_SECONDS:
                child.crashes = 0
            what = "after serving"
        wait = BACKOFF_SECONDS[min(child.crashes, len(BACKOFF_SECONDS) - 1)]
        child.crashes += 1
        child.ready_since = None
        child.restart_at = now + wait
        self.say(f"run: the {name} server stopped {what} (exit code {code}); restarting it in {wait} s")

    def _restart(self, name: str, child: _Child, now: float) -> None:
        child.restart_at = None
        child.started = now
        child.was_restarted = True
        self.stack.start((name,))
