"""MemoTracker gives exactly Rasa's applied events and dialogue states, turn after turn."""
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from sciatica_rasa.trackers import ConversationMemo, MemoTracker

DOMAIN = Domain.from_dict({
    "intents": ["greet", "ask_exercise", "deny", "affirm"],
    "entities": ["body_area"],
    "slots": {
        "body_area": {"type": "text", "mappings": [{"type": "from_entity", "entity": "body_area"}]},
        "screen_fever": {"type": "bool", "mappings": [{"type": "custom"}]},
        "triage_level": {"type": "categorical", "values": ["gp", "urgent"], "mappings": [{"type": "custom"}]},
    },
    "actions": ["action_explain_exercise", "action_screening_outcome", "validate_screening_form"],
    "responses": {"utter_greet": [{"text": "hi"}], "utter_ask_screen_fever": [{"text": "fever?"}]},
    "forms": {"screening_form": {"required_slots": ["screen_fever"]}},
})
RULE_ONLY = {"slots": ["triage_level"], "loops": []}
# (omit_unset_slots, ignore_rule_only_turns, rule_only_data): the calls the policies make.
VARIANTS = [(False, False, None), (False, True, RULE_ONLY), (True, False, None), (False, True, None)]


def user(intent, text=None, entities=()):
    return UserUttered(text or intent, {"name": intent, "confidence": 1.0}, list(entities))


def start():
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def listen():
    return ActionExecuted("action_listen")


CONVERSATIONS = {
    "exercise turns": [
        *start(), user("greet"), DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("utter_greet", hide_rule_turn=True), BotUttered("hi"), listen(),
        user("ask_exercise", "stretch for my bum", [{"entity": "body_area", "value": "bum", "start": 12, "end": 15}]),
        SlotSet("body_area", "bum"), DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("action_explain_exercise"), BotUttered("do this"), SlotSet("triage_level", "gp"), listen(),
    ],
    "a form, rejected once": [
        *start(), user("deny"), ActionExecuted("screening_form"), ActiveLoop("screening_form"),
        SlotSet("requested_slot", "screen_fever"), ActionExecuted("utter_ask_screen_fever"), listen(),
        user("greet"), ActionExecutionRejected("screening_form"), ActionExecuted("utter_greet", hide_rule_turn=True),
        ActionExecuted("screening_form"), SlotSet("requested_slot", "screen_fever"), listen(),
        user("deny"), ActionExecuted("screening_form"), SlotSet("screen_fever", False), ActiveLoop(None),
        SlotSet("requested_slot", None), ActionExecuted("action_screening_outcome"), listen(),
    ],
    "undo and revert": [
        *start(), user("greet"), ActionExecuted("utter_greet"), listen(), user("affirm"),
        UserUtteranceReverted(), user("ask_exercise"), ActionExecuted("action_explain_exercise"),
        ActionReverted(), ActionExecuted("utter_greet"), FollowupAction("action_explain_exercise"),
        ActionExecuted("action_explain_exercise"), listen(),
    ],
    "restart and new session": [
        *start(), user("greet"), ActionExecuted("utter_greet"), listen(), user("affirm"),
        ActionExecuted("action_restart"), Restarted(), listen(), user("greet"), ActionExecuted("utter_greet"),
        listen(), *start(), user("deny"), ActionExecuted("utter_greet"), listen(),
    ],
}


def rasa_states(events, variant):
    tracker = DialogueStateTracker.from_events("someone", events, DOMAIN.slots)
    return DOMAIN.states_for_tracker_history(tracker, *variant)


def rasa_applied(events):
    return DialogueStateTracker.from_events("someone", events, DOMAIN.slots).applied_events()


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_growing_one_event_at_a_time_matches_rasa_at_every_step(name):
    events = CONVERSATIONS[name]
    tracker = MemoTracker("someone", DOMAIN.slots)
    for count, event in enumerate(events, start=1):
        tracker.update(event)
        assert tracker.applied_events() == rasa_applied(events[:count])
        for variant in VARIANTS:
            assert tracker.past_states(DOMAIN, *variant) == rasa_states(events[:count], variant), (count, variant)


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_a_new_tracker_per_turn_sharing_the_memo_matches_rasa(name):
    # As the tracker store does: every turn rebuilds the tracker from the saved events.
    events, memo = CONVERSATIONS[name], ConversationMemo()
    for count in range(1, len(events) + 1):
        tracker = MemoTracker.from_events("someone", events[:count], DOMAIN.slots)
        tracker.memo = memo
        for variant in VARIANTS:
            assert tracker.past_states(DOMAIN, *variant) == rasa_states(events[:count], variant)
    assert memo.states, "the memo was never filled"


def test_the_memo_resumes_instead_of_replaying():
    events = CONVERSATIONS["exercise turns"]
    memo = ConversationMemo()
    first = MemoTracker.from_events("someone", events[:8], DOMAIN.slots)
    first.memo = memo
    first.past_states(DOMAIN)
    checkpoint = next(iter(memo.states.values()))
    consumed = len(checkpoint.consumed)

    second = MemoTracker.from_events("someone", events, DOMAIN.slots)
    second.memo = memo
    second.past_states(DOMAIN)
    assert next(iter(memo.states.values())) is checkpoint
    assert len(checkpoint.consumed) > consumed


def test_events_loaded_afresh_are_computed_from_the_start():
    events = CONVERSATIONS["exercise turns"]
    memo = ConversationMemo()
    cached = MemoTracker.from_events("someone", events, DOMAIN.slots)
    cached.memo = memo
    cached.past_states(DOMAIN)
    old_checkpoint = next(iter(memo.states.values()))
    # Equal events but other objects: another server wrote them, or the database was read.
    reloaded_events = [*start(), user("deny"), ActionExecuted("utter_greet"), listen()]
    reloaded = MemoTracker.from_events("someone", reloaded_events, DOMAIN.slots)
    reloaded.memo = memo
    assert reloaded.past_states(DOMAIN) == rasa_states(reloaded_events, VARIANTS[0])
    assert next(iter(memo.states.values())) is not old_checkpoint


def test_a_loop_first_seen_later_recomputes_the_applied_events():
    # Rasa judges an action by the loops of the whole history, even ones activated after it.
    events = [*start(), user("deny"), ActionExecuted("screening_form"), listen(), user("deny"),
              ActionExecuted("screening_form"), ActiveLoop("screening_form"), listen()]
    tracker = MemoTracker("someone", DOMAIN.slots)
    for count, event in enumerate(events, start=1):
        tracker.update(event)
        assert tracker.applied_events() == rasa_applied(events[:count])


def test_callers_changing_the_states_they_got_do_not_change_the_memo():
    events = CONVERSATIONS["exercise turns"]
    tracker = MemoTracker.from_events("someone", events, DOMAIN.slots)
    states = tracker.past_states(DOMAIN)
    for state in states:
        state.pop("user", None)
        state.get("prev_action", {}).clear()
    assert tracker.past_states(DOMAIN) == rasa_states(events, VARIANTS[0])
