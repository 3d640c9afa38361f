"""What users write stays in the tracker store: never in the logs, and can be deleted.

The servers run at their default log level. Phrases unique to this run go in
through both channels, including a red flag, a message that fails its turn
and a typed command; none may appear in any server log.
"""
from __future__ import annotations

import subprocess
import sys
import uuid

from bot_clients import RestUser, SocketUser, sqlite_url, texts, user_texts_by_sender
from sciatica_rasa.stack import ROOT


def test_no_user_text_in_the_server_logs(servers):
    marker = f"zq{uuid.uuid4().hex[:10]}"
    rest, socket = RestUser(servers.rasa_url), SocketUser(servers.rasa_url, quiet_seconds=0.7)
    try:
        said = [
            f"my neighbour {marker} says my leg hurts",
            f"I can't feel the toilet paper when I wipe {marker}",
            f"/inform{{\"name\": \"{marker}\"}}",
            f"what stretch for piriformis {marker}",
            f"{marker} " * 400,
        ]
        for text in said:
            assert texts(rest.say(text))
            assert texts(socket.say(text))
        servers.stop(("actions",))  # a failing turn logs its error
        assert texts(rest.say(f"how do I do a clamshell {marker}"))
    finally:
        socket.close()
        servers.start(("actions",))
        servers.wait_ready(timeout=120, names=("actions",))
    assert user_texts_by_sender(sqlite_url(servers.tracker_db), [rest.sender])[rest.sender]  # kept in the store
    for name in ("rasa", "actions"):
        log = servers.log(name)
        assert log, f"no {name} log"
        assert marker not in log, f"user text in the {name} log"


def test_forget_conversation_deletes_one_conversation_only(servers):
    forgotten, kept = RestUser(servers.rasa_url), RestUser(servers.rasa_url)
    forgotten.say("what stretch for piriformis")
    kept.say("how do I do a clamshell")
    done = subprocess.run(
        [sys.executable, "scripts/forget_conversation.py", forgotten.sender, "--url", sqlite_url(servers.tracker_db)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    stored = user_texts_by_sender(sqlite_url(servers.tracker_db), [forgotten.sender, kept.sender])
    assert stored == {kept.sender: ["how do I do a clamshell"]}
    # The bot starts afresh with the forgotten sender.
    assert "can't diagnose" in texts(forgotten.say("hello"))
