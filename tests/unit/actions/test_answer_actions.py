"""The action answering questions about sciatica itself."""
import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerSciaticaInfo
from action_helpers import make_tracker


def _run(text, entities=None, slots=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, intent="ask_sciatica_info", entities=entities, slots=slots)
    asyncio.run(ActionAnswerSciaticaInfo().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_the_action_answers_with_the_answer_payload_and_related_exercises():
    [message] = _run("does heat help with sciatica?")
    assert message["custom"]["type"] == "answer" and message["custom"]["topic"] == "heat_ice"
    assert any("heat_and_ice" in b["payload"] for b in message["buttons"])


def test_the_action_answers_a_topic_button():
    [message] = _run('/ask_sciatica_info{"sciatica_topic": "causes"}',
                     entities=[{"entity": "sciatica_topic", "value": "causes"}])
    assert message["custom"]["topic"] == "causes"


def test_no_topic_gets_the_list_of_topics_as_buttons():
    [message] = _run("tell me about it")
    assert "custom" not in message or not message.get("custom")
    assert len(message["buttons"]) >= 10
    assert all(b["payload"].startswith("/ask_sciatica_info{") for b in message["buttons"])


def test_no_exercise_buttons_after_an_emergency_referral():
    [message] = _run("I sit at a desk all day", slots={"emergency_referred": True})
    assert message["custom"]["topic"] == "sitting" and not message["buttons"]
