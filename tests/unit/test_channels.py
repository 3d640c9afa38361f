"""The guard around every input channel, with a fake Rasa handler (no server)."""
import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from sciatica.input_guard import EMPTY_REPLY
from sciatica_rasa.channels import NO_REPLY_FALLBACK, GuardedRestInput


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


def test_restart_is_silent_without_the_fallback():
    handled, replies = run(stays_silent, "/restart")
    assert handled == ["/restart"]
    assert replies == []


async def raises(message: UserMessage):
    raise RuntimeError("boom")


def test_a_failing_turn_still_answers_with_the_safety_fallback(caplog):
    _, replies = run(raises, "my secret symptom text")
    assert replies == [NO_REPLY_FALLBACK]
    assert "my secret symptom text" not in caplog.text
