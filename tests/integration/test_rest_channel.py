"""The bot end to end through the REST channel, as the widget uses it."""
from rest_helpers import customs, texts


def test_hello_is_answered_with_the_disclaimer(conversation):
    replies = conversation.say("hello")
    assert "can't diagnose" in texts(replies)


def test_piriformis_question_gets_a_piriformis_stretch_with_steps(conversation):
    replies = conversation.say("what stretch for piriformis")
    [exercise] = customs(replies, "exercise")
    assert "piriformis" in exercise["id"] or "piriformis" in " ".join(exercise.get("targets", []))
    assert exercise["name"] and exercise["steps"]
    assert "1." in texts(replies)


def test_saddle_numbness_gets_an_emergency_referral_with_its_flag(conversation):
    replies = conversation.say("I can't feel the toilet paper when I wipe")
    [referral] = customs(replies, "referral")
    assert referral["level"] == "emergency"
    assert "saddle_anaesthesia" in referral["red_flags"]
    assert "999" in texts(replies)


def test_ordinary_sciatica_is_not_referred(conversation):
    replies = conversation.say("what stretch helps the pain in my left buttock")
    assert customs(replies, "referral") == []
