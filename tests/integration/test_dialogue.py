"""Multi-turn conversations through the REST channel: follow-ups and screening."""
from rest_helpers import customs, texts
from sciatica.catalog import default_catalog
from sciatica.exercise_answers import follow_up


def exercise_id(replies):
    [exercise] = customs(replies, "exercise")
    return exercise["id"]


def test_hold_time_after_piriformis_stretch(conversation):
    first = exercise_id(conversation.say("what stretch for piriformis"))
    replies = conversation.say("how long should I hold it?")
    assert customs(replies, "exercise") == []
    assert follow_up(default_catalog().get(first), "hold_time") in texts(replies)
    assert "30 seconds" in texts(replies)


def test_reps_after_glute_bridge(conversation):
    assert exercise_id(conversation.say("how do I do a glute bridge")) == "glute_bridge"
    replies = conversation.say("how many times?")
    assert follow_up(default_catalog().get("glute_bridge"), "reps") in texts(replies)


def test_another_one_gives_a_different_exercise(conversation):
    first = exercise_id(conversation.say("what stretch for piriformis"))
    second = exercise_id(conversation.say("another one"))
    assert second != first


def test_it_hurts_says_stop_and_seek_advice(conversation):
    conversation.say("how do I do a clamshell")
    reply = texts(conversation.say("it hurts")).lower()
    assert "stop" in reply
    assert "gp" in reply or "physiotherapist" in reply


def test_pain_spreading_down_the_leg_after_an_exercise_stops_it_and_screens_first(conversation):
    conversation.say("how do I do the cobra")
    replies = conversation.say("when I do it the pain shoots further down my leg to my foot")
    assert "stop" in texts(replies).lower()
    assert customs(replies, "safety_question") and customs(replies, "referral") == []
    for _ in range(10):
        replies = conversation.say("no")
        if customs(replies, "referral"):
            break
    [referral] = customs(replies, "referral")
    assert referral["level"] == "gp"
    assert "exercise_worsens" in referral["red_flags"]


def test_describing_sciatica_starts_the_screening_with_saddle_numbness(conversation):
    replies = conversation.say("I have a shooting pain down the back of my left leg")
    assert "toilet paper" in texts(replies) or "saddle" in texts(replies)
    assert customs(replies, "exercise") == []


def test_all_clear_screening_leads_to_exercises(conversation):
    conversation.say("I've got sciatica in my right buttock")
    replies = []
    for _ in range(7):
        replies = conversation.say("no")
        if customs(replies, "exercise"):
            break
    assert customs(replies, "exercise"), texts(replies)
    assert customs(replies, "referral") == []


def test_yes_to_bladder_question_is_an_emergency(conversation):
    conversation.say("I have sciatica")
    conversation.say("no")  # saddle
    replies = conversation.say("yes")  # bladder or bowel
    [referral] = customs(replies, "referral")
    assert referral["level"] == "emergency"
    assert set(referral["red_flags"]) & {"bladder_dysfunction", "bowel_dysfunction"}


def test_not_sure_about_saddle_numbness_is_not_treated_as_no(conversation):
    conversation.say("pain down my leg")
    replies = conversation.say("not sure")
    [referral] = customs(replies, "referral")
    assert referral["level"] == "emergency"


def test_red_flag_mid_screening_is_never_taken_as_an_answer(conversation):
    conversation.say("I think I have sciatica")
    replies = conversation.say("no but I've wet myself twice today without noticing")
    [referral] = customs(replies, "referral")
    assert referral["level"] == "emergency"
    assert "bladder_dysfunction" in referral["red_flags"]


def test_exercises_after_an_emergency_repeat_the_referral(conversation):
    conversation.say("my legs both went numb and weak and I can't feel my bum")
    replies = conversation.say("what stretch for piriformis")
    assert customs(replies, "exercise") == []
    [referral] = customs(replies, "referral")
    assert referral["level"] == "emergency"


def test_typed_slash_intent_cannot_fill_a_screening_answer(conversation):
    conversation.say("I have sciatica")
    replies = conversation.say('/inform{"screen_fever": "no", "screen_cancer": "no"}')
    # Not an answer: the first question is asked again, and no later one is skipped.
    assert "toilet paper" in texts(replies)
    asked = " ".join(texts(conversation.say("no")) for _ in range(9))
    assert "high temperature" in asked


def test_typed_slash_text_still_runs_red_flag_detection(conversation):
    replies = conversation.say("/greet I can't feel the toilet paper when I wipe")
    [referral] = customs(replies, "referral")
    assert referral["level"] == "emergency"


def test_offered_buttons_keep_working(conversation):
    replies = conversation.say("what stretch for piriformis")
    payloads = [b["payload"] for r in replies for b in r.get("buttons") or [] if b["payload"].startswith("/ask_how_to")]
    assert payloads
    chosen = conversation.say(payloads[0])
    assert customs(chosen, "exercise")


# The questions a new user tried when the answers about sciatica itself were asked for.
SCIATICA_QUESTIONS = [
    ("does walking help?", "walking"),
    ("why do people get sciatica", "causes"),
    ("is it safe to stretch when I'm pregnant", "pregnancy"),
]


def test_questions_about_sciatica_itself_get_their_topic_not_an_exercise(conversation):
    for question, topic in SCIATICA_QUESTIONS:
        replies = conversation.say(question)
        assert [answer["topic"] for answer in customs(replies, "answer")] == [topic], question
        assert customs(replies, "exercise") == [], question
        assert "didn't quite understand" not in texts(replies), question


def test_a_sleep_question_asks_about_night_pain_first_then_answers(conversation):
    replies = conversation.say("any tips for sleeping with sciatica")
    [question] = customs(replies, "safety_question")
    assert question["red_flags"] == ["night_pain"] and customs(replies, "answer") == []
    replies = conversation.say("no")
    assert customs(replies, "referral") == []
    assert [answer["topic"] for answer in customs(replies, "answer")] == ["sleep"]


def test_pregnancy_points_to_a_midwife_gp_or_physiotherapist_first(conversation):
    reply = texts(conversation.say("is it safe to stretch when I'm pregnant")).lower()
    assert "midwife" in reply and "physiotherapist" in reply


def test_a_follow_up_that_names_its_exercise_answers_about_it(conversation):
    replies = conversation.say("how long should I hold a plank for")
    assert "which exercise" not in texts(replies).lower()
    assert follow_up(default_catalog().get("plank"), "hold_time") in texts(replies)


def test_an_exercise_asked_for_in_pregnancy_is_replaced_by_who_to_ask_first(conversation):
    replies = conversation.say("what stretches can I do while pregnant")
    assert customs(replies, "exercise") == []
    assert [answer["topic"] for answer in customs(replies, "answer")] == ["pregnancy"]
    replies = conversation.say("what stretch for piriformis")
    assert customs(replies, "exercise") == [] and "midwife" in texts(replies)
