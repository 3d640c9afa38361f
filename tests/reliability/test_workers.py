"""Two Rasa worker processes (RASA_WORKERS=2) sharing the SQLite stores lose nothing.

Connections land on either worker, so one conversation's turns go to both; the
SQLite lock store must keep a conversation's turns one after the other and the
tracker stores (each with its memory of recent conversations) must never work
from a stale copy.
"""
from __future__ import annotations

import asyncio

import pytest
from bot_clients import (
    MODEL, WEBHOOK, assert_both_turns_kept_whole, assign_exercises, at_once, lost_or_crossed_turns,
    many_conversations, new_sender, new_servers, post_json, sqlite_url, texts, user_texts_by_sender,
)

CONVERSATIONS = 40
TURNS = 10


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
    problems = asyncio.run(many_conversations([two_workers.rasa_url], plan, TURNS))
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
    # whichever worker saw that turn.
    for _ in range(12):
        sender = new_sender("moving")
        for text in ("how do I do a clamshell", "how do I do a plank", "how long do I hold it?",
                     "how do I do a clamshell", "how many times?"):
            status, replies = post_json(two_workers.rasa_url + WEBHOOK, {"sender": sender, "message": text})
            assert status == 200 and replies, (text, replies)
            answer = texts(replies).lower()
            if text == "how long do I hold it?":
                assert "plank" in answer and "clamshell" not in answer, answer
            if text == "how many times?":
                assert "clamshell" in answer and "plank" not in answer, answer
