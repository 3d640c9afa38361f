"""Two Rasa worker processes (RASA_WORKERS=2) sharing the SQLite stores lose nothing.

Connections land on either worker, so one conversation's turns go to both; the
SQLite lock store must keep a conversation's turns one after the other and the
tracker stores (each with its memory of recent conversations) must never work
from a stale copy.

That the turns really reached both workers is read from the kernel, not from
anything the server says: each worker's CPU time and the bytes it wrote (the
tracker store's writes), from /proc/<pid>/stat and /proc/<pid>/io, before and
after. A worker that served no turn uses next to no CPU and writes nothing.
"""
from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from bot_clients import (
    MODEL, WEBHOOK, assert_both_turns_kept_whole, assign_exercises, at_once, lost_or_crossed_turns,
    many_conversations, new_sender, new_servers, post_json, sqlite_url, texts, user_texts_by_sender,
)

CONVERSATIONS = 40
TURNS = 10
# Of the work of a run, the least each worker must have done; and at least this much
# of its own. An idle worker used 0.00 s of CPU over 10 s and wrote nothing; sixty
# served turns cost about 0.5 s (answers repeat and are cached), so the floor sits
# well between the two.
MIN_SHARE = 0.1
MIN_CPU_SECONDS = 0.1
MIN_BYTES_WRITTEN = 50_000
MOVING_AT_ONCE = 4


@dataclass(frozen=True)
class Work:
    cpu_seconds: float
    bytes_written: int

    def __sub__(self, other: "Work") -> "Work":
        return Work(round(self.cpu_seconds - other.cpu_seconds, 2), self.bytes_written - other.bytes_written)


def work_of(pid: int) -> Work:
    """CPU time (user and system) and bytes written (write calls) of one process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of stat
    with open(f"/proc/{pid}/io") as io:
        written = next(int(line.split()[1]) for line in io if line.startswith("wchar:"))
    return Work(ticks / os.sysconf("SC_CLK_TCK"), written)


def work_per_worker(servers) -> dict[int, Work]:
    return {pid: work_of(pid) for pid in worker_pids(servers.pid("rasa"))}


def assert_both_workers_served(before: dict[int, Work], after: dict[int, Work]) -> None:
    assert set(before) == set(after) and len(after) == 2, (before, after)
    done = {pid: after[pid] - before[pid] for pid in after}
    print(f"\nwork per worker: {done}")
    total_cpu = sum(work.cpu_seconds for work in done.values())
    for pid, work in done.items():
        assert work.cpu_seconds >= max(MIN_CPU_SECONDS, MIN_SHARE * total_cpu), f"worker {pid} did little: {done}"
        assert work.bytes_written >= MIN_BYTES_WRITTEN, f"worker {pid} wrote little: {done}"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    servers = new_servers(tmp_path_factory.mktemp("workers"), workers=2)
    with servers.serving(timeout=300):
        yield servers


def test_both_workers_serve(two_workers):
    assert len(worker_pids(two_workers.pid("rasa"))) == 2


def test_concurrent_conversations_on_two_workers_stay_apart_and_lose_nothing(two_workers):
    plan = assign_exercises([new_sender(f"workers{index:02d}") for index in range(CONVERSATIONS)])
    before = work_per_worker(two_workers)
    # Each turn on a new connection: a kept-alive one stays with one worker, and the
    # first worker to wake could accept all forty (it did, before this).
    problems = asyncio.run(many_conversations([two_workers.rasa_url], plan, TURNS, connection_per_turn=True))
    assert_both_workers_served(before, work_per_worker(two_workers))
    assert not problems, f"{len(problems)} problems, first: " + "\n".join(problems[:10])
    kept = user_texts_by_sender(sqlite_url(two_workers.tracker_db), plan)
    assert lost_or_crossed_turns(kept, plan, TURNS) == []
    assert two_workers.crashed() is None


def test_two_messages_of_one_conversation_at_once_are_both_kept_whole(two_workers):
    texts = ["how do I do a clamshell", "how do I do a plank"]
    for _ in range(5):
        sender = new_sender("pair")
        # Two connections at the same moment: the kernel hands them to either worker.
        answers = asyncio.run(at_once([two_workers.rasa_url] * 2, sender, texts))
        assert_both_turns_kept_whole(sqlite_url(two_workers.tracker_db), sender, texts, answers)


def worker_pids(parent: int) -> list[int]:
    with open(f"/proc/{parent}/task/{parent}/children") as children:
        return [int(pid) for pid in children.read().split()]


def test_a_conversation_moving_between_workers_is_never_answered_from_a_stale_copy(two_workers):
    # Every message on a new connection, so turns of one conversation land on
    # either worker; the last answer must know the exercise asked just before,
    # whichever worker saw that turn. The conversations run side by side: one
    # connection at a time tends to wake the same worker every time.
    before = work_per_worker(two_workers)
    with ThreadPoolExecutor(max_workers=MOVING_AT_ONCE) as pool:
        for answers in pool.map(lambda _: moving_conversation(two_workers.rasa_url), range(12)):
            for text, answer in answers:
                if text == "how long do I hold it?":
                    assert "plank" in answer and "clamshell" not in answer, answer
                if text == "how many times?":
                    assert "clamshell" in answer and "plank" not in answer, answer
    assert_both_workers_served(before, work_per_worker(two_workers))


def moving_conversation(rasa_url: str) -> list[tuple[str, str]]:
    sender = new_sender("moving")
    answers = []
    for text in ("how do I do a clamshell", "how do I do a plank", "how long do I hold it?",
                 "how do I do a clamshell", "how many times?"):
        status, replies = post_json(rasa_url + WEBHOOK, {"sender": sender, "message": text})
        assert status == 200 and replies, (text, replies)
        answers.append((text, texts(replies).lower()))
    return answers
