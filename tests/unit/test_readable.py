"""Bot messages as one readable bubble each, for clients that draw no cards."""
from __future__ import annotations

from sciatica.catalog import default_catalog
from sciatica.exercise_answers import exercise_payload, explain
from sciatica.readable import ReadableReply, readable_reply

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_a_message_with_text_keeps_its_whole_text_unsplit_and_its_buttons():
    exercise = default_catalog().get("clamshell")
    text = explain(exercise)
    assert "\n\n" in text
    reply = readable_reply({"text": text, "custom": exercise_payload(exercise), "buttons": BUTTONS})
    assert reply == ReadableReply(text=text, buttons=BUTTONS)


def test_an_exercise_payload_without_text_reads_as_numbered_steps_dosage_and_caution():
    payload = exercise_payload(default_catalog().get("clamshell"))
    reply = readable_reply({"custom": payload})
    assert reply.text.startswith(payload["name"])
    for number, step in enumerate(payload["steps"], start=1):
        assert f"{number}. {step}" in reply.text
    assert f"Take care: {payload['caution']}" in reply.text
    assert any(line.startswith(("Hold:", "Repetitions:", "How often:")) for line in reply.text.splitlines())


def test_any_payload_type_next_to_a_text_needs_nothing_of_its_own():
    question = {"type": "safety_question", "slot": "saddle", "red_flags": ["x"], "level_if_yes": "emergency"}
    reply = readable_reply({"text": "Any numbness where you sit?", "custom": question, "buttons": BUTTONS})
    assert reply == ReadableReply(text="Any numbness where you sit?", buttons=BUTTONS)


def test_socketio_quick_replies_count_as_buttons_and_an_empty_message_is_no_bubble():
    reply = readable_reply({"text": "Pick one", "quick_replies": [{"content_type": "text", **BUTTONS[0]}]})
    assert reply.buttons == [BUTTONS[0]]
    assert readable_reply({"custom": {"type": "unknown"}}) is None
    assert readable_reply({"text": "  "}) is None
