import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import ListSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import SlotSet

from sciatica_rasa.nlg import ReferralNLG

DOMAIN = Domain.from_dict(
    {
        "slots": {"red_flags": {"type": "list", "mappings": [{"type": "custom"}]}},
        "responses": {
            "utter_referral_emergency": [
                {"text": "Call 999.", "custom": {"type": "referral", "level": "emergency", "red_flags": []}}
            ],
            "utter_other": [{"text": "Hello {red_flags}"}],
        },
    }
)


def generate(action, flags):
    tracker = DialogueStateTracker.from_events("x", [SlotSet("red_flags", flags)], slots=DOMAIN.slots)
    return asyncio.run(ReferralNLG(domain=DOMAIN).generate(action, tracker, "rest"))


def test_referral_payload_carries_the_flag_ids_as_a_list():
    response = generate("utter_referral_emergency", ["saddle_anaesthesia", "bladder_dysfunction"])
    assert response["custom"] == {
        "type": "referral",
        "level": "emergency",
        "red_flags": ["saddle_anaesthesia", "bladder_dysfunction"],
    }
    assert response["text"] == "Call 999."


def test_referral_without_flags_has_an_empty_list():
    assert generate("utter_referral_emergency", None)["custom"]["red_flags"] == []


def test_other_responses_are_untouched():
    assert "custom" not in generate("utter_other", ["x"])
