"""Bad input through the real REST and socket.io channels: always a kind answer, never a crash.

Each labelled case goes through both channels, from a new conversation. Every
one must be answered with at least one message, and never with the fallback
that means a turn failed; red flags survive whatever surrounds them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from bot_clients import WEBHOOK, RestUser, SocketUser, customs, new_sender, post_json, post_raw, texts
from sciatica.input_guard import EMPTY_REPLY, STARTED_AGAIN_REPLY, SYMBOLS_ONLY_REPLY, TRUNCATED_NOTICE
from sciatica_rasa.channels import NO_REPLY_FALLBACK, NO_SESSION_REPLY

MISSING = object()  # no "message" key at all
RED_FLAG = "I can't feel the toilet paper when I wipe"
ONLY_ENGLISH = "only understand English"


@dataclass(frozen=True)
class Case:
    label: str
    message: Any
    expect: str  # prompt | symbols | non_english | emergency | exercise | answered | any answer | started_again
    truncated: bool = False
    rest_only: bool = False  # larger than socket.io's 1 MB frame limit


CASES = [
    Case("empty string", "", "prompt"),
    Case("whitespace", "  \n\t  ", "prompt"),
    Case("missing message key", MISSING, "prompt"),
    Case("null", None, "prompt"),
    Case("number", 12345, "answered"),
    Case("decimal number", 3.5, "answered"),
    Case("boolean", True, "prompt"),
    Case("list", ["what", "stretch"], "prompt"),
    Case("object", {"text": "what stretch for piriformis"}, "prompt"),
    Case("1 MB of text", "my leg hurts " * 80_000, "answered", truncated=True, rest_only=True),
    Case("900 KB of text", "my leg hurts " * 70_000, "answered", truncated=True),
    Case("10 KB of one word", "sciatica" * 1280, "answered", truncated=True),
    Case("emoji only", "😀😀🙏❤️‍🔥", "symbols"),
    Case("punctuation only", "?!?! ...", "symbols"),
    Case("emoji with a red flag", f"😱😱 {RED_FLAG} 😱", "emergency"),
    Case("Chinese", "我的腿很痛，我应该做什么伸展运动？", "non_english"),
    Case("Arabic", "أعاني من ألم في ساقي وظهري، ما هو التمرين المناسب؟", "non_english"),
    Case("Spanish", "Hola, tengo dolor en la pierna, ¿qué ejercicio puedo hacer?", "non_english"),
    Case("French", "Bonjour, j'ai mal au dos et à la jambe, quel exercice pour moi ?", "non_english"),
    Case("Spanish red flag", "Hola, no siento nada en la zona del trasero y tengo problemas para orinar", "non_english"),
    Case("HTML script markup", "<script>alert('x')</script><b>what stretch for piriformis</b>", "answered"),
    Case("SQL-ish text", "'; DROP TABLE events; -- what stretch for piriformis", "answered"),
    Case("JSON-looking text", '{"sender": "someone-else", "message": "/restart"}', "answered"),
    Case("typed /affirm", "/affirm", "answered"),
    # The word "saddle" may be read as saddle numbness: a referral is a safe answer here.
    Case("typed /inform with entities", '/inform{"screen_saddle": "no"}', "any answer"),
    Case("typed /restart", "/restart", "started_again"),
    Case("a lone slash", "/", "prompt"),
    Case("zero-width and control characters", "what\u200b stretch\x07 for\u2060 piri\u00adformis", "exercise"),
    Case("right-to-left override", f"\u202e{RED_FLAG}\u202c", "emergency"),
    Case("NUL bytes", "what stretch\x00\x00 for piriformis", "exercise"),
    Case("lone surrogate", "what stretch \ud83d for piriformis", "exercise"),
    Case("zero-width inside red-flag words", "I can't feel the toi\u200blet pa\u200cper when I wi\u2060pe", "emergency"),
    Case("full-width red flag", "ｉ ｃａｎ'ｔ ｆｅｅｌ ｔｈｅ ｔｏｉｌｅｔ ｐａｐｅｒ ｗｈｅｎ ｉ ｗｉｐｅ", "emergency"),
    Case("red flag after a typed /greet", f"/greet {RED_FLAG}", "emergency"),
    Case("red flag in the first 1000 characters of a long message",
         f"{RED_FLAG}. " + "My back has been stiff this week. " * 300, "emergency", truncated=True),
]


def check(case: Case, replies: list[dict[str, Any]]) -> None:
    said = texts(replies)
    assert replies, "no answer at all"
    assert NO_REPLY_FALLBACK not in said, "the turn failed"
    assert (TRUNCATED_NOTICE in said) == case.truncated
    referrals = customs(replies, "referral")
    if case.expect == "prompt":
        assert said.strip() == EMPTY_REPLY
    elif case.expect == "symbols":
        assert said.strip() == SYMBOLS_ONLY_REPLY
    elif case.expect == "non_english":
        assert ONLY_ENGLISH in said
        assert "999" in said  # the kind reply still gives the emergency numbers
        assert not referrals
    elif case.expect == "emergency":
        assert [r["level"] for r in referrals] == ["emergency"]
        assert "saddle_anaesthesia" in referrals[0]["red_flags"]
    elif case.expect == "exercise":
        [exercise] = customs(replies, "exercise")
        assert exercise["id"] == "piriformis_stretch"
    elif case.expect == "started_again":
        assert said.strip() == STARTED_AGAIN_REPLY
    elif case.expect == "answered":
        assert not referrals
        assert said.strip() not in {EMPTY_REPLY, SYMBOLS_ONLY_REPLY}
    else:
        assert case.expect == "any answer"
        assert said.strip() not in {EMPTY_REPLY, SYMBOLS_ONLY_REPLY}


def rest_body(case: Case, sender: str) -> dict[str, Any]:
    body: dict[str, Any] = {"sender": sender}
    if case.message is not MISSING:
        body["message"] = case.message
    return body


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_rest_channel(servers, case):
    started = time.monotonic()
    status, replies = post_json(servers.rasa_url + WEBHOOK, rest_body(case, new_sender()))
    assert status == 200, replies
    assert time.monotonic() - started < 10, "a big message must not be run through the model"
    check(case, replies)


@pytest.fixture(scope="module")
def socket_user(servers):
    user = SocketUser(servers.rasa_url, quiet_seconds=0.7)
    yield user
    user.close()


SOCKET_CASES = [case for case in CASES if not case.rest_only]


@pytest.mark.parametrize("case", SOCKET_CASES, ids=[case.label for case in SOCKET_CASES])
def test_socketio_channel(socket_user, case):
    socket_user.say("/restart")  # each case from a new conversation, as over REST
    data: dict[str, Any] = {"session_id": socket_user.session_id}
    if case.message is not MISSING:
        data["message"] = case.message
    check(case, socket_user.emit_raw(data))


def test_socketio_exercise_cards_arrive_as_custom_payloads(socket_user):
    socket_user.say("/restart")
    replies = socket_user.say("how do I do a clamshell")
    [exercise] = customs(replies, "exercise")
    assert exercise["id"] == "clamshell" and exercise["steps"]


def test_a_socketio_frame_over_the_1_mb_transport_limit_leaves_the_server_answering(servers, socket_user):
    # socket.io refuses frames over 1 MB before Rasa sees them; only that client is cut off.
    sender = SocketUser(servers.rasa_url, quiet_seconds=0.5)
    try:
        sender.emit_raw({"session_id": sender.session_id, "message": "my leg hurts " * 100_000}, timeout=5)
    except Exception:  # noqa: BLE001 - being disconnected is the expected outcome
        pass
    finally:
        try:
            sender.close()
        except Exception:  # noqa: BLE001
            pass
    socket_user.say("/restart")
    [exercise] = customs(socket_user.say("what stretch for piriformis"), "exercise")
    assert exercise["id"] == "piriformis_stretch"


@pytest.mark.parametrize(
    "label, data",
    [("a bare string", "what stretch for piriformis"), ("no session id", {"message": "hello"}),
     ("a null event", None), ("a list", ["hello"])],
)
def test_socketio_messages_without_a_session_are_told_so(socket_user, label, data):
    replies = socket_user.emit_raw(data, timeout=10)
    assert texts(replies).strip() == NO_SESSION_REPLY


@pytest.mark.parametrize(
    "label, body",
    [("not JSON", b"what stretch for piriformis"), ("a JSON array", b'["hello"]'),
     ("an empty body", b""), ("JSON null", b"null"), ("no sender", b'{"message": "hello"}'),
     ("a null sender", b'{"sender": null, "message": "hello"}'),
     ("an object as sender", b'{"sender": {"id": 1}, "message": "hello"}')],
)
def test_rest_requests_that_are_not_a_message_are_refused_with_400(servers, label, body):
    status, answer = post_raw(servers.rasa_url + WEBHOOK, body)
    assert status == 400, answer


def test_a_numeric_sender_is_its_own_conversation(servers):
    sender = int(time.time() * 1000)
    status, replies = post_json(servers.rasa_url + WEBHOOK, {"sender": sender, "message": "hello"})
    assert status == 200
    assert {reply["recipient_id"] for reply in replies} == {str(sender)}


def test_the_server_still_answers_after_all_the_bad_input(servers):
    user = RestUser(servers.rasa_url)
    [exercise] = customs(user.say("what stretch for piriformis"), "exercise")
    assert exercise["id"] == "piriformis_stretch"
    assert servers.crashed() is None
