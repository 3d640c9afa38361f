"""Running the bot's servers for the reliability tests, and talking to them.

`Servers` is the project's Stack with extra environment variables and a
restart; the clients speak REST (urllib, aiohttp) and socket.io as users do.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import aiohttp
import socketio
import sqlalchemy as sa

from sciatica_rasa.channels import DEFAULT_ACTION_TIMEOUT
from sciatica_rasa.stack import ROOT, Stack, free_port  # noqa: F401 (used by the tests)

MODEL = ROOT / "models" / "sciatica.tar.gz"
RASA = str(Path(ROOT / ".venv" / "bin" / "rasa"))
WEBHOOK = "/webhooks/rest/webhook"
# Seconds Rasa waits for an action: the default, which 100 users at once on two
# cores must not trip (5 s did, at the first burst of turns).
TEST_ACTION_TIMEOUT = DEFAULT_ACTION_TIMEOUT


@dataclass
class Servers(Stack):
    """The project's Stack, with a restart and its logs."""

    def restart(self, names: tuple[str, ...], timeout: float = 300.0) -> None:
        self.stop(names)
        self.start(names)
        self.wait_ready(timeout=timeout, names=names)

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def new_servers(workdir: Path, **kwargs: Any) -> Servers:
    return Servers.on_free_ports(workdir, **kwargs)


# -- REST ---------------------------------------------------------------------------------


def post_raw(url: str, data: bytes, timeout: float = 60.0) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def post_json(url: str, body: Any, timeout: float = 60.0) -> tuple[int, Any]:
    return post_raw(url, json.dumps(body).encode(), timeout)


def new_sender(prefix: str = "rel") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class RestUser:
    """One user talking to a Rasa server through the REST channel."""

    def __init__(self, rasa_url: str, sender: str | None = None):
        self.url = rasa_url + WEBHOOK
        self.sender = sender or new_sender()

    def say(self, message: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
        status, replies = post_json(self.url, {"sender": self.sender, "message": message}, timeout)
        assert status == 200, (status, replies)
        return replies


def customs(replies: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("type") == kind]


def texts(replies: Iterable[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


# -- socket.io ------------------------------------------------------------------------------


class SocketUser:
    """One user of the socket.io channel: session_request first, then user_uttered."""

    def __init__(self, rasa_url: str, quiet_seconds: float = 1.0, cards: bool = True):
        # A client that draws the cards gets the payloads as messages of their own (DEVELOPERS.md).
        self.cards = cards
        self.client = socketio.Client(reconnection=False)
        self.quiet_seconds = quiet_seconds
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._confirmed = threading.Event()
        self.session_id: str | None = None
        self.client.on("bot_uttered", self._bot_uttered)
        self.client.on("session_confirm", self._session_confirm)
        self.client.connect(rasa_url, socketio_path="/socket.io", wait_timeout=20)
        self.client.emit("session_request", {"session_id": None})
        if not self._confirmed.wait(20):
            raise TimeoutError("no session_confirm from the socket.io channel")

    def _bot_uttered(self, data: Any) -> None:
        with self._lock:
            self.received.append(data if isinstance(data, dict) else {"raw": data})

    def _session_confirm(self, session_id: Any) -> None:
        self.session_id = session_id
        self._confirmed.set()

    def emit_raw(self, data: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Send a user_uttered event; the bot's messages once it has been quiet a while."""
        with self._lock:
            self.received.clear()
        if self.cards and isinstance(data, dict):
            data = {**data, "metadata": {"cards": True}}
        self.client.emit("user_uttered", data)
        deadline = time.monotonic() + timeout
        seen, last_change = 0, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            with self._lock:
                count = len(self.received)
            if count != seen:
                seen, last_change = count, time.monotonic()
            elif count and time.monotonic() - last_change >= self.quiet_seconds:
                break
        with self._lock:
            return list(self.received)

    def say(self, message: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
        return self.emit_raw({"session_id": self.session_id, "message": message}, timeout)

    def close(self) -> None:
        # Without abort, the polling transport waits out its long poll (~25 s).
        self.client.eio.disconnect(abort=True)


# -- stores and logs ------------------------------------------------------------------------


def user_texts_by_sender(db_url: str, senders: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The user messages Rasa's SQL tracker store kept, per conversation, in order."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
            ).fetchall()
    finally:
        engine.dispose()
    wanted = set(senders) if senders is not None else None
    kept: dict[str, list[str]] = {}
    for sender_id, data in rows:
        if wanted is None or sender_id in wanted:
            kept.setdefault(sender_id, []).append(json.loads(data).get("text"))
    return kept


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def run_to_exit(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300.0) -> tuple[int, str]:
    """Run a server that is expected to refuse to start; its exit code and output."""
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, errors="replace", timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        output = b"".join(part or b"" for part in (expired.stdout, expired.stderr)).decode(errors="replace")
        raise AssertionError(f"still running after {timeout:.0f} s, a half-working server:\n{output[-3000:]}") from None
    return done.returncode, done.stdout + done.stderr


# -- many conversations at once ---------------------------------------------------------------

# How people ask for each exercise; each conversation is about one of them, so
# a reply that went to the wrong person names the wrong exercise.
EXERCISE_QUESTIONS = {
    "knee_to_chest": "knee to chest stretch", "piriformis_stretch": "piriformis stretch",
    "sciatic_stretch": "sciatic stretch", "buttock_stretch": "buttock stretch", "cobra": "cobra",
    "pelvic_tilt": "pelvic tilt", "glute_bridge": "glute bridge", "clamshell": "clamshell",
    "bird_dog": "bird dog", "plank": "plank", "standing_hamstring_stretch": "standing hamstring stretch",
    "tennis_ball_release": "tennis ball release", "foam_rolling": "foam rolling", "hug_stretch": "hug stretch",
    "figure_four_stretch": "lying figure 4 stretch", "seated_figure_four_stretch": "seated figure 4 stretch",
    "ab_curl": "ab curl", "prone_hamstring_curl": "lying hamstring curl",
}
FOLLOW_UPS = [
    ("how long do I hold it?", "hold_time"),
    ("how many times should I do it?", "reps"),
    ("how often should I do it?", "frequency"),
]


@dataclass(frozen=True)
class Turn:
    text: str
    exercise: str | None = None  # the exercise card this turn must show
    follow_up: str | None = None  # the follow-up answer this turn must contain


def exercise_conversation(exercise_id: str, turns: int) -> list[Turn]:
    """Ask for one exercise, its follow-ups, thank, and again, up to `turns` turns."""
    cycle = [
        Turn(f"how do I do a {EXERCISE_QUESTIONS[exercise_id]}", exercise=exercise_id),
        *(Turn(text, follow_up=topic) for text, topic in FOLLOW_UPS),
        Turn("thanks"),
    ]
    return [cycle[index % len(cycle)] for index in range(turns)]


def turn_problems(sender: str, exercise_id: str, turn: Turn, replies: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the bot's answer to one turn of `sender`'s conversation."""
    from sciatica.catalog import default_catalog
    from sciatica.exercise_answers import follow_up
    from sciatica_rasa.channels import NO_REPLY_FALLBACK

    problems = []
    said = texts(replies)
    if not replies:
        problems.append("no reply")
    if any(reply.get("recipient_id") != sender for reply in replies):
        problems.append(f"a reply addressed to {sorted({r.get('recipient_id') for r in replies})}")
    if NO_REPLY_FALLBACK in said:
        problems.append("the failed-turn fallback")
    if turn.exercise and [c["id"] for c in customs(replies, "exercise")] != [turn.exercise]:
        problems.append(f"exercise cards {[c['id'] for c in customs(replies, 'exercise')]}, asked {turn.exercise}")
    if turn.follow_up and follow_up(default_catalog().get(exercise_id), turn.follow_up) not in said:
        problems.append(f"no {turn.follow_up} answer about {exercise_id}: {said[:120]!r}")
    return [f"{sender} '{turn.text}': {problem}" for problem in problems]


async def drive(session: Any, urls: list[str], sender: str, exercise_id: str, turns: int) -> list[str]:
    """One conversation over REST (aiohttp), turn i sent to urls[i % len(urls)]; its problems."""
    problems: list[str] = []
    for index, turn in enumerate(exercise_conversation(exercise_id, turns)):
        url = urls[index % len(urls)] + WEBHOOK
        try:
            async with session.post(url, json={"sender": sender, "message": turn.text}) as response:
                if response.status != 200:
                    problems.append(f"{sender} '{turn.text}': HTTP {response.status}")
                    continue
                replies = await response.json()
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            problems.append(f"{sender} '{turn.text}': {type(error).__name__} {error}")
            continue
        problems.extend(turn_problems(sender, exercise_id, turn, replies))
    return problems


def assign_exercises(senders: list[str]) -> dict[str, str]:
    """Sender i talks about exercise i, cycling through the catalog."""
    exercises = list(EXERCISE_QUESTIONS)
    return {sender: exercises[index % len(exercises)] for index, sender in enumerate(senders)}


async def many_conversations(urls: list[str], plan: dict[str, str], turns: int, timeout: float = 300.0,
                             connection_per_turn: bool = False) -> list[str]:
    """Every conversation of `plan` (sender -> exercise) at once; every problem found.

    `connection_per_turn`: each turn on a new connection. Kept-alive connections stay
    with the worker process that accepted them, and one worker may accept them all.
    """
    import asyncio

    import aiohttp

    connector = aiohttp.TCPConnector(limit=len(plan), force_close=connection_per_turn)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        found = await asyncio.gather(*(
            drive(session, urls, sender, exercise_id, turns) for sender, exercise_id in plan.items()
        ))
    return [problem for problems in found for problem in problems]


def lost_or_crossed_turns(kept: dict[str, list[str]], plan: dict[str, str], turns: int) -> list[str]:
    """Conversations whose stored user turns differ from what their sender sent."""
    return [
        f"{sender}: kept {kept.get(sender)}"
        for sender, exercise_id in plan.items()
        if kept.get(sender) != [turn.text for turn in exercise_conversation(exercise_id, turns)]
    ] + [f"{sender}: not sent by this test" for sender in kept if sender not in plan]


# -- one conversation, several messages at once ----------------------------------------------


async def at_once(urls: list[str], sender: str, texts: list[str]) -> list[list[dict]]:
    """Send `texts` of one conversation at the same moment, each to its URL, on its own connection."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        async def send(url: str, text: str) -> list[dict]:
            async with session.post(url + WEBHOOK, json={"sender": sender, "message": text}) as response:
                assert response.status == 200
                return await response.json()

        return await asyncio.gather(*(send(url, text) for url, text in zip(urls, texts)))


def event_types(db_url: str, sender: str) -> list[tuple[str, str | None]]:
    """(type, action name) of a conversation's stored events, in order."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                sa.text("SELECT type_name, action_name FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": sender},
            )]
    finally:
        engine.dispose()


def assert_both_turns_kept_whole(db_url: str, sender: str, texts: list[str], answers: list[list[dict]]) -> None:
    """Each message got its own answer, and the lock kept the two turns apart in the store."""
    assert all(answer and {r["recipient_id"] for r in answer} == {sender} for answer in answers)
    events = event_types(db_url, sender)
    users = [index for index, (kind, _) in enumerate(events) if kind == "user"]
    assert len(users) == len(texts) == 2, events
    # The first turn ended listening before the second began.
    before_second = [name for kind, name in events[users[0]:users[1]] if kind == "action"]
    assert before_second and before_second[-1] == "action_listen", events
    assert sorted(user_texts_by_sender(db_url, [sender])[sender]) == sorted(texts)
