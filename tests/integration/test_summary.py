"""The summary for a doctor through the REST channel, from the real servers' trackers."""
from __future__ import annotations

from rest_helpers import Conversation, customs, post_json, texts

NOTE = "This is what you told an information service. It is not a diagnosis."
SADDLE = "I can't feel the toilet paper when I wipe"
SUMMARY_BUTTON = {"title": "Summary for a doctor", "payload": "/ask_summary"}


def summary_of(replies):
    [payload] = customs(replies, "summary")
    [message] = [r for r in replies if (r.get("custom") or {}).get("type") == "summary"]
    return payload, message.get("text") or ""


def test_after_an_emergency_the_quick_reply_gives_the_summary_with_its_text(conversation):
    [referral_message] = [r for r in conversation.say(SADDLE) if r.get("custom")]
    assert SUMMARY_BUTTON in referral_message["buttons"]
    payload, text = summary_of(conversation.say("/ask_summary"))
    assert payload["type"] == "summary"
    assert payload["level"] == "emergency"
    assert payload["red_flags"] == ["saddle_anaesthesia"]
    assert payload["reported"] == [SADDLE]
    assert payload["answers"] == []
    assert payload["advice"] == referral_message["text"]
    # The readable version comes in the same message, for clients without cards.
    assert text.startswith("Summary for a doctor\n\nMade on ")
    assert f"“{SADDLE}”" in text and payload["advice"] in text and text.endswith(NOTE)


def test_the_screening_answers_are_in_the_summary_as_asked_and_given(conversation):
    first = conversation.say("I have sciatica down my left leg")
    [saddle] = customs(first, "safety_question")
    conversation.say("nope, nothing like that")
    replies = conversation.say("yes")  # bladder or bowel: an emergency
    [referral] = customs(replies, "referral")
    payload, text = summary_of(conversation.say("can I have a summary for my GP"))
    assert payload["level"] == referral["level"] == "emergency"
    assert [a["answer"] for a in payload["answers"]] == ["No", "Yes"]
    assert payload["answers"][0]["said"] == "nope, nothing like that"
    assert "said" not in payload["answers"][1]
    assert "toilet paper" in payload["answers"][0]["question"]
    assert "bladder" in payload["answers"][1]["question"]
    assert payload["reported"] == ["I have sciatica down my left leg"]
    assert "(“nope, nothing like that”)" in text
    assert saddle["slot"] == "screen_saddle"


def test_a_summary_asked_in_the_middle_of_the_screening_then_the_same_question_again(conversation):
    [asked] = customs(conversation.say("I think I have sciatica"), "safety_question")
    replies = conversation.say("what should I tell the doctor")
    payload, _ = summary_of(replies)
    assert payload["level"] is None and payload["answers"] == []
    [again] = customs(replies, "safety_question")
    assert again["slot"] == asked["slot"], "the request was taken as an answer"
    [following] = customs(conversation.say("no"), "safety_question")
    assert following["slot"] != asked["slot"]


def test_a_summary_holds_nothing_of_another_conversation(stack):
    other, mine = Conversation(stack), Conversation(stack)
    other.say("my legs are both numb and weak")
    mine.say("what stretch for piriformis")
    payload, text = summary_of(mine.say("summary for the doctor please"))
    assert payload["red_flags"] == [] and payload["reported"] == [] and payload["level"] is None
    assert "numb" not in text
    assert payload["exercises"] == ["Piriformis stretch"]


def test_start_over_forgets_what_came_before_in_the_summary(conversation):
    conversation.say(SADDLE)
    conversation.say("/restart")
    payload, text = summary_of(conversation.say("a summary for my GP please"))
    assert payload["reported"] == [] and payload["level"] is None
    assert "toilet paper" not in text


def test_a_client_with_cards_gets_the_payload_as_a_message_of_its_own(stack):
    conversation = Conversation(stack)
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    post_json(url, {"sender": conversation.sender, "message": SADDLE, "metadata": {"cards": True}})
    _, replies = post_json(url, {"sender": conversation.sender, "message": "/ask_summary", "metadata": {"cards": True}})
    [payload] = customs(replies, "summary")
    shown = texts([r for r in replies if not r.get("custom")])
    assert shown.startswith("Summary for a doctor") and shown.endswith(NOTE)
    assert payload["reported"] == [SADDLE]


def test_no_conversation_can_be_read_by_its_id_over_http(stack):
    """Rasa's HTTP API (rasa run --enable-api) would hand out any conversation by its id: it is off."""
    import urllib.error
    import urllib.request

    conversation = Conversation(stack)
    conversation.say(SADDLE)
    for path in (f"/conversations/{conversation.sender}/tracker", f"/conversations/{conversation.sender}/story"):
        try:
            with urllib.request.urlopen(stack.rasa_url + path, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 404, path
