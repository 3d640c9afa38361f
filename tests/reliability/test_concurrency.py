"""100 conversations of 20 turns at once: no error, no crossed reply, no lost turn.

Each conversation is about its own exercise, so a reply sent to the wrong
person shows as the wrong exercise or follow-up; afterwards the tracker store
must hold exactly the turns each sender sent, in order.
"""
from __future__ import annotations

import asyncio
import time

from bot_clients import (
    assign_exercises, lost_or_crossed_turns, many_conversations, new_sender, sqlite_url, user_texts_by_sender,
)

CONVERSATIONS = 100
TURNS = 20


def test_concurrent_conversations_stay_apart_and_lose_nothing(servers, capsys):
    plan = assign_exercises([new_sender(f"crowd{index:03d}") for index in range(CONVERSATIONS)])
    started = time.monotonic()
    problems = asyncio.run(many_conversations([servers.rasa_url], plan, TURNS))
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\n{CONVERSATIONS} conversations x {TURNS} turns: {elapsed:.0f} s, "
              f"{CONVERSATIONS * TURNS / elapsed:.1f} turns/s")
    assert not problems, f"{len(problems)} problems, first: " + "\n".join(problems[:10])

    kept = user_texts_by_sender(sqlite_url(servers.tracker_db), plan)
    assert lost_or_crossed_turns(kept, plan, TURNS) == []
    assert servers.crashed() is None
