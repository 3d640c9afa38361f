"""action_summary: the conversation's own events in, one message with the summary payload out."""
import asyncio

from action_helpers import customs, make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.screening import ActionScreeningOutcome
from actions.summary import ActionSummary

EMERGENCY_TEXT = "Call 999 now."


def test_the_summary_of_this_trackers_events_with_its_text(dispatcher, domain):
    events = [
        {"event": "user", "timestamp": 1_764_581_400, "text": "my legs both went numb",
         "parse_data": {"intent": {"name": "red_flag_emergency"},
                        "entities": [{"entity": "red_flag", "value": "bilateral_symptoms"}]}},
        {"event": "action", "name": "utter_referral_emergency"},
        {"event": "bot", "text": EMERGENCY_TEXT,
         "data": {"custom": {"type": "referral", "level": "emergency", "red_flags": ["bilateral_symptoms"]}}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/ask_summary", "parse_data": {"intent": {"name": "ask_summary"}, "entities": []}},
    ]
    tracker = make_tracker(text="/ask_summary", intent="ask_summary", events=events)
    assert asyncio.run(ActionSummary().run(dispatcher, tracker, domain)) == []
    [message] = dispatcher.messages
    [payload] = customs(dispatcher, "summary")
    assert payload["level"] == "emergency"
    assert payload["red_flags"] == ["bilateral_symptoms"]
    assert payload["reported"] == ["my legs both went numb"]
    assert payload["advice"] == EMERGENCY_TEXT
    assert message["text"].startswith("Summary for a doctor")
    assert "“my legs both went numb”" in message["text"]
    assert "It is not a diagnosis." in message["text"]


def test_a_referral_from_the_screening_offers_the_summary(dispatcher, domain):
    tracker = make_tracker(slots={"screen_saddle": "yes"})
    asyncio.run(ActionScreeningOutcome().run(dispatcher, tracker, domain))
    [referral_message] = [m for m in dispatcher.messages if (m.get("custom") or {}).get("type") == "referral"]
    assert {"title": "Summary for a doctor", "payload": "/ask_summary"} in referral_message["buttons"]


def test_every_referral_response_offers_the_summary(domain):
    for name, variants in domain["responses"].items():
        for variant in variants:
            if (variant.get("custom") or {}).get("type") == "referral":
                assert {"title": "Summary for a doctor", "payload": "/ask_summary"} in variant.get("buttons", []), name
