import asyncio

from actions.exercises import ActionExplainExercise
from actions.follow_ups import ActionAnotherExercise, ActionChooseOption, ActionExerciseFollowUp
from action_helpers import customs, make_tracker, slot_events


def run(action, dispatcher, tracker, domain):
    return asyncio.run(action.run(dispatcher, tracker, domain))


def test_piriformis_question_explains_a_piriformis_stretch(dispatcher, domain):
    tracker = make_tracker("what stretch for piriformis", intent="ask_exercise")
    events = run(ActionExplainExercise(), dispatcher, tracker, domain)
    [payload] = customs(dispatcher, "exercise")
    assert "piriformis" in payload["targets"]
    assert payload["steps"] and payload["name"]
    slots = slot_events(events)
    assert slots["exercise"] == payload["id"]
    assert len(slots["offered_exercises"]) <= 2
    assert payload["id"] not in slots["offered_exercises"]


def test_unscreened_answer_offers_the_symptom_check(dispatcher, domain):
    run(ActionExplainExercise(), dispatcher, make_tracker("a stretch for my bum", intent="ask_exercise"), domain)
    payloads = [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert "/check_symptoms" in payloads


def test_button_payload_with_exercise_entity_explains_that_exercise(dispatcher, domain):
    tracker = make_tracker(
        '/ask_how_to{"exercise": "clamshell"}', intent="ask_how_to",
        entities=[{"entity": "exercise", "value": "clamshell"}],
    )
    run(ActionExplainExercise(), dispatcher, tracker, domain)
    assert customs(dispatcher, "exercise")[0]["id"] == "clamshell"


def test_unknown_area_gets_not_in_catalog(dispatcher, domain):
    events = run(ActionExplainExercise(), dispatcher, make_tracker("a stretch for my neck", intent="ask_exercise"), domain)
    assert customs(dispatcher, "exercise") == []
    assert "not in my exercise catalog" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["buttons"]
    assert slot_events(events)["offered_exercises"] == []


def test_no_exercises_after_an_emergency_referral(dispatcher, domain):
    tracker = make_tracker("what stretch for piriformis", intent="ask_exercise", slots={"emergency_referred": True})
    events = run(ActionExplainExercise(), dispatcher, tracker, domain)
    assert customs(dispatcher, "exercise") == []
    assert "not going to suggest exercises" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[1]["response"] == "utter_referral_emergency"
    assert events == []


def test_hold_time_follow_up_uses_the_exercise_in_context(dispatcher, domain):
    tracker = make_tracker("how long do i hold it", intent="ask_hold_time", slots={"exercise": "piriformis_stretch"})
    run(ActionExerciseFollowUp(), dispatcher, tracker, domain)
    assert "30 seconds" in dispatcher.messages[0]["text"]


def test_follow_up_without_an_exercise_asks_which(dispatcher, domain):
    run(ActionExerciseFollowUp(), dispatcher, make_tracker("how long", intent="ask_hold_time"), domain)
    assert "Which exercise" in dispatcher.messages[0]["text"]


def test_it_hurts_says_stop(dispatcher, domain):
    tracker = make_tracker("it hurts", intent="report_exercise_pain", slots={"exercise": "glute_bridge"})
    run(ActionExerciseFollowUp(), dispatcher, tracker, domain)
    assert "stop" in dispatcher.messages[0]["text"].lower()


def test_another_one_gives_a_different_exercise(dispatcher, domain):
    tracker = make_tracker(
        "another one", intent="ask_another",
        slots={"exercise": "piriformis_stretch", "offered_exercises": ["figure_four_stretch"],
               "shown_exercises": ["piriformis_stretch"]},
    )
    events = run(ActionAnotherExercise(), dispatcher, tracker, domain)
    [payload] = customs(dispatcher, "exercise")
    assert payload["id"] == "figure_four_stretch"
    assert slot_events(events)["shown_exercises"] == ["piriformis_stretch", "figure_four_stretch"]


def test_another_one_without_offers_searches_the_same_area(dispatcher, domain):
    tracker = make_tracker(
        "another one", intent="ask_another",
        slots={"exercise": "clamshell", "offered_exercises": [], "shown_exercises": ["clamshell"]},
    )
    run(ActionAnotherExercise(), dispatcher, tracker, domain)
    [payload] = customs(dispatcher, "exercise")
    assert payload["id"] != "clamshell"


def test_second_one_picks_the_second_offer(dispatcher, domain):
    tracker = make_tracker(
        "the second one", intent="choose_option",
        entities=[{"entity": "option", "value": "second"}],
        slots={"offered_exercises": ["bird_dog", "plank"]},
    )
    run(ActionChooseOption(), dispatcher, tracker, domain)
    assert customs(dispatcher, "exercise")[0]["id"] == "plank"


def test_choice_out_of_range_asks_again(dispatcher, domain):
    tracker = make_tracker(
        "the second one", intent="choose_option",
        entities=[{"entity": "option", "value": "second"}], slots={"offered_exercises": ["bird_dog"]},
    )
    run(ActionChooseOption(), dispatcher, tracker, domain)
    assert customs(dispatcher, "exercise") == []
    assert "Which one" in dispatcher.messages[0]["text"]


def test_a_follow_up_that_names_an_exercise_answers_about_it(dispatcher, domain):
    tracker = make_tracker("how long should I hold a plank for", intent="ask_hold_time",
                           entities=[{"entity": "exercise", "value": "plank"}])
    events = run(ActionExerciseFollowUp(), dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["text"].startswith("Plank") and "Which exercise" not in message["text"]
    assert slot_events(events) == {"exercise": "plank"}


def test_pregnancy_said_earlier_replaces_any_exercise_with_who_to_ask_first(dispatcher, domain):
    events = [{"event": "user", "text": "I'm 30 weeks pregnant"}]
    tracker = make_tracker(text="what stretch for piriformis", intent="ask_exercise", events=events)
    asyncio.run(ActionExplainExercise().run(dispatcher, tracker, domain))
    assert customs(dispatcher, "exercise") == []
    assert [answer["topic"] for answer in customs(dispatcher, "answer")] == ["pregnancy"]
    assert "midwife" in dispatcher.messages[0]["text"]


def test_an_exercise_is_explained_when_pregnancy_was_never_mentioned(dispatcher, domain):
    tracker = make_tracker(text="what stretch for piriformis", intent="ask_exercise",
                           events=[{"event": "user", "text": "my bum hurts"}])
    asyncio.run(ActionExplainExercise().run(dispatcher, tracker, domain))
    assert customs(dispatcher, "exercise") and customs(dispatcher, "answer") == []


def test_a_follow_up_after_pregnancy_was_mentioned_says_who_to_ask_first(dispatcher, domain):
    tracker = make_tracker(text="how long should I hold a plank for", intent="ask_hold_time",
                           entities=[{"entity": "exercise", "value": "plank"}],
                           events=[{"event": "user", "text": "I'm pregnant"}])
    run(ActionExerciseFollowUp(), dispatcher, tracker, domain)
    assert [answer["topic"] for answer in customs(dispatcher, "answer")] == ["pregnancy"]
