"""Conversation trackers that carry on from the last turn's work.

Before each prediction every policy turns the conversation into a list of
dialogue states, and Rasa computes that list by replaying every event since the
start, several times per prediction (MemoizationPolicy, RulePolicy twice,
TEDPolicy). That replay was the largest cost of a turn and the reason a turn
got slower the longer the conversation went on.

`MemoTracker` computes the same lists, with Rasa's own rules, but resumes from
a checkpoint kept in a `ConversationMemo`, which the tracker store hands from
one turn's tracker to the next. A checkpoint is used only when the events it
was computed from are, object for object, the start of the tracker's events;
anything else (a tracker loaded afresh from the database, an undo, a restart,
a new form) is computed from the start, exactly as Rasa does.
"""
from __future__ import annotations

import itertools
import json
import operator
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, List, Optional, Sequence, Set, Text, Tuple

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker


@dataclass
class _AppliedCheckpoint:
    """`applied_events()` after the first `len(seen)` events."""

    seen: List[Event] = field(default_factory=list)
    applied: List[Event] = field(default_factory=list)
    loop_names: Set[Text] = field(default_factory=set)


@dataclass
class _StatesCheckpoint:
    """`Domain.states_for_tracker_history` after the applied events `consumed`.

    `prior` is the tracker those events built; `states` are the states of the
    turns before each of its actions, without the final, still open one.
    """

    domain: Domain
    prior: DialogueStateTracker
    consumed: List[Event] = field(default_factory=list)
    states: List[State] = field(default_factory=list)
    last_ml_action_sub_state: Optional[Dict[Text, Any]] = None
    turn_was_hidden: bool = False


@dataclass
class ConversationMemo:
    """What the trackers of one conversation computed so far."""

    applied: Optional[_AppliedCheckpoint] = None
    states: Dict[Tuple[Any, ...], _StatesCheckpoint] = field(default_factory=dict)


class MemoTracker(DialogueStateTracker):
    """A DialogueStateTracker whose history computations resume from its memo."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memo = ConversationMemo()

    # -- applied events

    def applied_events(self) -> List[Event]:
        checkpoint = self.memo.applied
        if checkpoint is None or not starts_with(self.events, checkpoint.seen):
            checkpoint = self.memo.applied = _AppliedCheckpoint()
        new_events = list(itertools.islice(self.events, len(checkpoint.seen), None))
        new_loops = {e.name for e in new_events if isinstance(e, ActiveLoop) and e.name}
        if checkpoint.seen and not new_loops <= checkpoint.loop_names:
            # Rasa judges every loop action by the loops of the whole history.
            checkpoint = self.memo.applied = _AppliedCheckpoint()
            new_events = list(self.events)
        checkpoint.loop_names |= new_loops
        for event in new_events:
            self._apply(event, checkpoint)
        checkpoint.seen.extend(new_events)
        return list(checkpoint.applied)

    def _apply(self, event: Event, checkpoint: _AppliedCheckpoint) -> None:
        """One step of DialogueStateTracker.applied_events (Rasa 3.6)."""
        applied = checkpoint.applied
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            self._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            self._undo_till_previous(UserUttered, applied)
            self._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in checkpoint.loop_names
            and not self._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            self._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)

    # -- dialogue states

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        key = (omit_unset_slots, ignore_rule_only_turns, _data_key(rule_only_data))
        applied = self.applied_events()
        checkpoint = self.memo.states.get(key)
        if checkpoint is None or checkpoint.domain is not domain or not starts_with(applied, checkpoint.consumed):
            checkpoint = self.memo.states[key] = _StatesCheckpoint(domain=domain, prior=self.init_copy())
        for event in applied[len(checkpoint.consumed):]:
            if isinstance(event, ActionExecuted):
                state = _next_state(checkpoint, event.hide_rule_turn, omit_unset_slots, ignore_rule_only_turns,
                                    rule_only_data, commit=True)
                if state is not None:
                    checkpoint.states.append(state)
            checkpoint.prior.update(event)
            checkpoint.consumed.append(event)
        final = _next_state(checkpoint, False, omit_unset_slots, ignore_rule_only_turns, rule_only_data, commit=False)
        # Callers change the states they get (the last user input, say), and
        # states share dicts with the checkpoint's tracker: hand out copies.
        states = checkpoint.states + ([final] if final is not None else [])
        return [_copy_state(state) for state in states]


def _next_state(
    checkpoint: _StatesCheckpoint,
    hide_rule_turn: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[Text, Any]],
    *,
    commit: bool,
) -> Optional[State]:
    """One step of Domain.states_for_tracker_history (Rasa 3.6) for the prior tracker.

    With `commit` the step's bookkeeping is kept; without it (the final, open
    turn) the checkpoint is left as it was.
    """
    domain, tracker = checkpoint.domain, checkpoint.prior
    last_ml_action_sub_state = checkpoint.last_ml_action_sub_state
    turn_was_hidden = checkpoint.turn_was_hidden
    if ignore_rule_only_turns:
        if not turn_was_hidden:
            last_ml_action_sub_state = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and not tracker.latest_action_name == tracker.active_loop_name:
            turn_was_hidden = hide_rule_turn
        if commit:
            checkpoint.last_ml_action_sub_state = last_ml_action_sub_state
            checkpoint.turn_was_hidden = turn_was_hidden
        if turn_was_hidden:
            return None
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if checkpoint.states:
            domain._substitute_rule_only_user_input(state, checkpoint.states[-1])
        if last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = last_ml_action_sub_state
    return domain._clean_state(state)


def starts_with(events: Sequence[Event] | Deque[Event], prefix: List[Event]) -> bool:
    """Whether `events` begins with exactly the event objects of `prefix`."""
    return len(events) >= len(prefix) and all(map(operator.is_, events, prefix))


def _data_key(rule_only_data: Optional[Dict[Text, Any]]) -> str:
    return json.dumps(rule_only_data, sort_keys=True, default=str)


def _copy_state(state: State) -> State:
    return {name: dict(sub_state) for name, sub_state in state.items()}  # type: ignore[misc]
