import asyncio

from action_helpers import customs, make_tracker, slot_events
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
    # The form itself asks the next empty slot, in domain order.
    assert "requested_slot" not in slots


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
