import asyncio

from action_helpers import customs, make_tracker, slot_events
from rasa_sdk.executor import CollectingDispatcher

from actions.screening import ActionScreeningOutcome, ValidateScreeningForm


def validate(dispatcher, domain, slot, value, **latest):
    tracker = make_tracker(
        text=str(value), slots={slot: value}, requested_slot=slot, active_loop="screening_form",
        events=[{"event": "slot", "name": slot, "value": value}], **latest,
    )
    return slot_events(asyncio.run(ValidateScreeningForm().run(dispatcher, tracker, domain)))


def test_free_text_no_is_a_no(dispatcher, domain):
    assert validate(dispatcher, domain, "screen_saddle", "nope not at all")["screen_saddle"] == "no"


def test_button_intent_wins_over_the_words(dispatcher, domain):
    assert validate(dispatcher, domain, "screen_fever", "/deny", intent="deny")["screen_fever"] == "no"


def test_not_an_answer_is_asked_again(dispatcher, domain):
    slots = validate(dispatcher, domain, "screen_saddle", "what stretch for piriformis")
    assert slots["screen_saddle"] is None
    assert "yes, no or not sure" in dispatcher.messages[0]["text"]


def test_typed_command_is_never_an_answer(dispatcher, domain):
    tracker = make_tracker(
        text='inform{"screen_saddle": "no"}', slots={"screen_saddle": 'inform{"screen_saddle": "no"}'},
        requested_slot="screen_saddle", active_loop="screening_form",
        events=[{"event": "slot", "name": "screen_saddle", "value": 'inform{"screen_saddle": "no"}'}],
    )
    tracker.latest_message["typed_command"] = True
    events = asyncio.run(ValidateScreeningForm().run(dispatcher, tracker, domain))
    assert slot_events(events)["screen_saddle"] is None


def test_yes_to_saddle_numbness_ends_the_screening(dispatcher, domain):
    slots = validate(dispatcher, domain, "screen_saddle", "yes", intent="affirm")
    assert slots["screen_saddle"] == "yes"
    assert slots["requested_slot"] is None


def test_no_to_saddle_numbness_goes_on_with_the_questions(dispatcher, domain):
    slots = validate(dispatcher, domain, "screen_saddle", "no", intent="deny")
    assert slots["screen_saddle"] == "no"
    assert slots["requested_slot"] == "screen_bladder_bowel"


def outcome(dispatcher, domain, **answers):
    tracker = make_tracker(slots=answers)
    return asyncio.run(ActionScreeningOutcome().run(dispatcher, tracker, domain))


def test_unsure_about_bladder_is_an_emergency_referral(dispatcher, domain):
    events = slot_events(outcome(dispatcher, domain, screen_saddle="no", screen_bladder_bowel="unsure"))
    [referral] = customs(dispatcher, "referral")
    assert referral["level"] == "emergency"
    assert {"bladder_dysfunction", "bowel_dysfunction"} <= set(referral["red_flags"])
    assert events["emergency_referred"] is True
    assert "999" in dispatcher.messages[0]["text"]


def test_unsure_about_weight_loss_is_not_a_referral(dispatcher, domain):
    answers = dict(screen_saddle="no", screen_bladder_bowel="no", screen_both_legs="no", screen_fever="no",
                   screen_cancer="no", screen_trauma="no", screen_weight_loss="unsure")
    outcome(dispatcher, domain, **answers)
    assert customs(dispatcher, "referral") == []
    assert customs(dispatcher, "exercise")


def test_yes_to_fever_is_urgent(dispatcher, domain):
    outcome(dispatcher, domain, screen_saddle="no", screen_bladder_bowel="no", screen_both_legs="no", screen_fever="yes")
    [referral] = customs(dispatcher, "referral")
    assert referral == {"type": "referral", "level": "urgent", "red_flags": ["fever_infection"]}


def test_all_clear_offers_an_exercise_for_their_area_without_the_screening_offer(dispatcher, domain):
    answers = {q: "no" for q in ("screen_saddle", "screen_bladder_bowel", "screen_both_legs", "screen_fever",
                                 "screen_cancer", "screen_trauma", "screen_weight_loss")}
    events = slot_events(outcome(dispatcher, domain, body_area="hamstrings", **answers))
    [payload] = customs(dispatcher, "exercise")
    assert "hamstrings" in payload["targets"]
    assert events["triage_level"] == "self_care"
    payloads = [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert "/check_symptoms" not in payloads


# ---------------------------------------------------------------------------- hints first

from actions.screening import ASK_ACTIONS  # noqa: E402


def required(domain, **slots):
    tracker = make_tracker(slots=slots, active_loop="screening_form")
    return asyncio.run(ValidateScreeningForm().required_slots(list(domain["forms"]["screening_form"]["required_slots"]),
                                                             CollectingDispatcher(), tracker, domain))


def test_the_usual_screening_asks_the_seven_questions_in_order(domain):
    assert required(domain) == ["screen_saddle", "screen_bladder_bowel", "screen_both_legs", "screen_fever",
                                "screen_cancer", "screen_trauma", "screen_weight_loss"]


def test_hinted_topics_come_first_then_the_usual_questions(domain):
    order = required(domain, hinted_flags=["foot_drop", "bladder_dysfunction"], screening_scope="full")
    assert order[:3] == ["screen_bladder_bowel", "screen_foot", "screen_saddle"]
    assert len(order) == 8


def test_the_hinted_question_covering_most_hints_comes_first(domain):
    order = required(domain, hinted_flags=["progressive_weakness", "foot_drop"], screening_scope="hinted")
    assert order == ["screen_foot", "screen_both_legs"]


def test_a_hinted_only_screening_asks_just_the_topics(domain):
    assert required(domain, hinted_flags=["sexual_dysfunction"], screening_scope="hinted") == ["screen_sex"]


def test_a_yes_to_a_hinted_question_stops_the_screening(domain):
    order = required(domain, hinted_flags=["bladder_dysfunction"], screening_scope="full", screen_bladder_bowel="yes")
    assert order == ["screen_bladder_bowel"]


def ask(slot, dispatcher, domain, **latest):
    action = next(a() for a in ASK_ACTIONS if a().slot == slot)
    return asyncio.run(action.run(dispatcher, make_tracker(**latest), domain))


def test_a_hinted_question_names_the_persons_words_and_carries_its_payload(dispatcher, domain):
    text = "can sciatica cause trouble with weeing?"
    entity = {"entity": "red_flag_hint", "value": "bladder_dysfunction", "start": 32, "end": 38}
    ask("screen_bladder_bowel", dispatcher, domain, text=text, entities=[entity])
    [message] = dispatcher.messages
    assert message["text"].startswith("You mentioned “weeing”. Since the back pain started")
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny", "/unsure"]
    assert message["custom"] == {
        "type": "safety_question", "slot": "screen_bladder_bowel",
        "red_flags": ["bladder_dysfunction", "bowel_dysfunction"], "level_if_yes": "emergency",
        "asked_because": ["bladder_dysfunction"],
    }


def test_a_question_of_the_usual_order_is_asked_in_full(dispatcher, domain):
    ask("screen_saddle", dispatcher, domain, text="I have sciatica")
    [message] = dispatcher.messages
    assert message["text"].startswith("I need to check a few things first")
    assert message["custom"]["asked_because"] == []


def test_a_topic_mentioned_again_is_asked_again(dispatcher, domain):
    tracker = make_tracker(
        text="my waterworks are odd", slots={"screen_bladder_bowel": "no"}, active_loop="screening_form",
        entities=[{"entity": "red_flag_hint", "value": "bladder_dysfunction", "start": 3, "end": 13}],
    )
    events = slot_events(asyncio.run(ValidateScreeningForm().run(dispatcher, tracker, domain)))
    assert events["screen_bladder_bowel"] is None


def test_a_gp_finding_joins_the_outcome_of_an_all_clear_screening(dispatcher, domain):
    answers = {q: "no" for q in ("screen_saddle", "screen_bladder_bowel", "screen_both_legs", "screen_fever",
                                 "screen_cancer", "screen_trauma", "screen_weight_loss")}
    events = slot_events(outcome(dispatcher, domain, red_flags=["not_improving"], **answers))
    [referral] = customs(dispatcher, "referral")
    assert referral == {"type": "referral", "level": "gp", "red_flags": ["not_improving"]}
    assert "999" in dispatcher.messages[0]["text"]  # what to do if warning signs appear
    assert customs(dispatcher, "exercise")  # gentle exercises while waiting
    assert events["screened"] is True


def test_a_hinted_only_all_clear_offers_help_without_exercises(dispatcher, domain):
    events = slot_events(outcome(dispatcher, domain, screening_scope="hinted", hinted_flags=["bladder_dysfunction"],
                                 screen_bladder_bowel="no"))
    assert customs(dispatcher, "referral") == [] and customs(dispatcher, "exercise") == []
    assert "reassuring" in dispatcher.messages[0]["text"]
    assert events["hinted_flags"] is None and "screened" not in events


def hinted_question_events(text: str, model_intent: str) -> list:
    parse = {"intent": {"name": "red_flag_hint", "confidence": 1.0},
             "model_intent": {"name": model_intent, "confidence": 0.9}}
    return [{"event": "user", "text": text, "parse_data": parse}]


def test_a_question_that_touched_a_red_flag_topic_is_answered_after_its_all_clear(dispatcher, domain):
    tracker = make_tracker(slots={"screening_scope": "hinted", "hinted_flags": ["night_pain"], "screen_night": "no"},
                           events=hinted_question_events("any tips for sleeping with sciatica", "ask_sciatica_info"))
    asyncio.run(ActionScreeningOutcome().run(dispatcher, tracker, domain))
    assert "reassuring" in dispatcher.messages[0]["text"]
    assert [answer["topic"] for answer in customs(dispatcher, "answer")] == ["sleep"]
    assert customs(dispatcher, "referral") == []


def test_a_hint_in_a_description_of_symptoms_is_not_answered_as_a_question(dispatcher, domain):
    tracker = make_tracker(slots={"screening_scope": "hinted", "hinted_flags": ["night_pain"], "screen_night": "no"},
                           events=hinted_question_events("my sciatica keeps me awake", "describe_symptoms"))
    asyncio.run(ActionScreeningOutcome().run(dispatcher, tracker, domain))
    assert customs(dispatcher, "answer") == []
    assert "What would you like to do next?" in dispatcher.messages[0]["text"]
