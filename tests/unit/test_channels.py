"""The guard around every input channel, with a fake Rasa handler (no server)."""
import asyncio

import pytest
from sanic.exceptions import InvalidUsage

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from sciatica.input_guard import EMPTY_REPLY, STARTED_AGAIN_REPLY
from sciatica_rasa.channels import (
    ACTION_TIMEOUT_ENV,
    DEFAULT_ACTION_TIMEOUT,
    MAX_SENDER_CHARS,
    NO_REPLY_FALLBACK,
    SUMMARY_PAYLOAD,
    SUMMARY_UNAVAILABLE_REPLY,
    GuardedRestInput,
    GuardedSocketIOOutput,
    action_timeout,
    as_metadata,
    as_sender_id,
    cap_action_timeout,
)


def run(handler_behaviour, text):
    """Send `text` through the guarded handler; return (texts handled, replies)."""
    handled = []

    async def on_new_message(message: UserMessage):
        handled.append(message.text)
        await handler_behaviour(message)

    channel = GuardedRestInput()
    guarded = channel._guarded(on_new_message)
    collector = CollectingOutputChannel()
    asyncio.run(guarded(UserMessage(text, collector, "someone")))
    return handled, [m.get("text") for m in collector.messages]


async def answers(message: UserMessage):
    await message.output_channel.send_response(message.sender_id, {"text": "an answer"})


async def stays_silent(message: UserMessage):
    return None


def test_normal_text_reaches_the_bot():
    handled, replies = run(answers, "hello")
    assert handled == ["hello"]
    assert replies == ["an answer"]


def test_empty_text_never_reaches_the_bot_and_gets_a_prompt():
    handled, replies = run(answers, "   ")
    assert handled == []
    assert replies == [EMPTY_REPLY]


def test_typed_intent_reaches_the_bot_as_text():
    handled, _ = run(answers, '/inform{"screen_saddle": "no"}')
    assert handled == ['inform{"screen_saddle": "no"}']


def test_a_silent_turn_gets_the_safety_fallback():
    _, replies = run(stays_silent, "what stretch for piriformis")
    assert replies == [NO_REPLY_FALLBACK]
    assert "999" in NO_REPLY_FALLBACK and "112" in NO_REPLY_FALLBACK


def test_rest_channel_keeps_its_url_name():
    assert GuardedRestInput.name() == "rest"


def test_restart_is_confirmed_without_the_fallback():
    handled, replies = run(stays_silent, "/restart")
    assert handled == ["/restart"]
    assert replies == [STARTED_AGAIN_REPLY]


def test_the_summary_quick_reply_without_the_action_server_says_so_and_keeps_the_advice(monkeypatch):
    async def offered(app, sender_id):
        return {SUMMARY_PAYLOAD}  # the referral's quick reply, offered in the last turn

    monkeypatch.setattr("sciatica_rasa.channels._offered_payloads", offered)
    handled, replies = run(stays_silent, SUMMARY_PAYLOAD)
    assert handled == [SUMMARY_PAYLOAD]
    assert replies == [SUMMARY_UNAVAILABLE_REPLY]
    assert "summary" in SUMMARY_UNAVAILABLE_REPLY and "999" in SUMMARY_UNAVAILABLE_REPLY


async def raises(message: UserMessage):
    raise RuntimeError("boom")


def test_a_failing_turn_still_answers_with_the_safety_fallback(caplog):
    _, replies = run(raises, "my secret symptom text")
    assert replies == [NO_REPLY_FALLBACK]
    assert "my secret symptom text" not in caplog.text


class FakeRequest:
    def __init__(self, body):
        self.json = body


@pytest.mark.parametrize(
    "message, expected",
    [("hello", "hello"), (12345, "12345"), (1.5, "1.5"), (None, ""), (["a"], ""), ({"t": 1}, ""), (True, "")],
)
def test_rest_messages_that_are_not_text_count_as_empty(message, expected):
    assert GuardedRestInput()._extract_message(FakeRequest({"sender": "s", "message": message})) == expected


@pytest.mark.parametrize("body", [None, [1, 2], "text", {"message": "hi"}, {"sender": None}, {"sender": ""}, {"sender": ["a"]}])
def test_rest_bodies_without_an_object_and_a_sender_are_refused(body):
    with pytest.raises(InvalidUsage):
        asyncio.run(GuardedRestInput()._extract_sender(FakeRequest(body)))


def test_rest_metadata_and_input_channel_are_checked():
    request = FakeRequest({"sender": "s", "metadata": ["x"], "input_channel": {"a": 1}})
    assert GuardedRestInput().get_metadata(request) is None
    assert GuardedRestInput()._extract_input_channel(request) == "rest"


@pytest.mark.parametrize(
    "value, expected",
    [("abc-1", "abc-1"), (42, "42"), ("", None), ("  ", None), (None, None),
     (["x"], None), ({"id": 1}, None), (True, None), ("x" * (MAX_SENDER_CHARS + 1), None)],
)
def test_sender_ids_are_non_empty_strings_or_numbers(value, expected):
    assert as_sender_id(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [({"a": 1}, {"a": 1}), ('{"a": 1}', {"a": 1}), ("not json", None), ("[1]", None),
     ([1, 2], None), (None, None), (7, None)],
)
def test_metadata_is_a_json_object_or_nothing(value, expected):
    assert as_metadata(value) == expected


def test_a_failing_tracker_store_still_gets_the_fallback():
    class BrokenStore:
        async def retrieve(self, sender_id):
            raise ConnectionError("database is down")

    class App:
        class ctx:
            class agent:
                tracker_store = BrokenStore()

    channel = GuardedRestInput()
    channel._app = App()
    collector = CollectingOutputChannel()
    asyncio.run(channel._guarded(raises)(UserMessage("hello", collector, "someone")))
    assert [m.get("text") for m in collector.messages] == [NO_REPLY_FALLBACK]


def test_socketio_custom_payloads_are_sent_like_the_rest_channel():
    emitted = []

    class FakeServer:
        async def emit(self, event, data=None, room=None, **kwargs):
            emitted.append((event, data, room, kwargs))

    output = GuardedSocketIOOutput(FakeServer(), "bot_uttered")
    payload = {"type": "referral", "level": "emergency", "red_flags": ["saddle_anaesthesia"]}
    asyncio.run(output.send_response("s1", {"text": "Call 999", "custom": dict(payload)}))
    assert ("bot_uttered", {"text": "Call 999"}, "s1", {}) in emitted
    assert ("bot_uttered", {"custom": payload}, "s1", {}) in emitted


@pytest.mark.parametrize("env, expected", [(None, DEFAULT_ACTION_TIMEOUT), ("3", 3.0), ("0", 1.0), ("soon", DEFAULT_ACTION_TIMEOUT)])
def test_action_timeout_comes_from_the_environment(monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv(ACTION_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(ACTION_TIMEOUT_ENV, env)
    assert action_timeout() == expected


def test_the_action_timeout_caps_rasa_remote_actions(monkeypatch):
    import rasa.core.actions.action as rasa_action

    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    cap_action_timeout(4.0)
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 4.0


def test_at_most_max_concurrent_turns_run_at_once(monkeypatch):
    from sciatica_rasa import channels

    monkeypatch.setenv(channels.MAX_CONCURRENT_TURNS_ENV, "3")
    monkeypatch.setattr(channels._GuardedChannel, "_turns", None)
    running, most = 0, 0

    async def busy(message: UserMessage):
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        await message.output_channel.send_response(message.sender_id, {"text": "an answer"})

    async def crowd():
        guarded = GuardedRestInput()._guarded(busy)
        collectors = [CollectingOutputChannel() for _ in range(20)]
        await asyncio.gather(*(guarded(UserMessage("hello", c, f"s{i}")) for i, c in enumerate(collectors)))
        return collectors

    collectors = asyncio.run(crowd())
    assert most == 3
    assert all([m["text"] for m in c.messages] == ["an answer"] for c in collectors)
    monkeypatch.setattr(channels._GuardedChannel, "_turns", None)


@pytest.mark.parametrize("env, expected", [(None, 8), ("2", 2), ("0", 1), ("many", 8)])
def test_max_concurrent_turns_comes_from_the_environment(monkeypatch, env, expected):
    from sciatica_rasa.channels import MAX_CONCURRENT_TURNS_ENV, max_concurrent_turns

    if env is None:
        monkeypatch.delenv(MAX_CONCURRENT_TURNS_ENV, raising=False)
    else:
        monkeypatch.setenv(MAX_CONCURRENT_TURNS_ENV, env)
    assert max_concurrent_turns() == expected
