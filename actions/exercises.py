"""Exercise answers: find the best catalog entry for a question and explain it."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import content
from sciatica.catalog import Exercise
from sciatica.exercise_answers import explain, exercise_payload
from sciatica.sciatica_answers import Topic, answer_payload, answer_text

MAX_ALTERNATIVES = 2


def entity_values(tracker: Tracker, entity: Text) -> List[Text]:
    return [
        str(item["value"])
        for item in tracker.latest_message.get("entities", [])
        if item.get("entity") == entity and item.get("value")
    ]


def user_texts(tracker: Tracker) -> List[Text]:
    """What the person typed in this conversation (button payloads left out)."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    latest = tracker.latest_message.get("text") or ""
    return [t for t in [*texts, latest] if t and not t.startswith("/")]


def exercise_button(exercise: Exercise) -> Dict[Text, Text]:
    payload = json.dumps({"exercise": exercise.id})
    return {"title": exercise.name, "payload": f"/ask_how_to{payload}"}


def utter_answer(dispatcher: CollectingDispatcher, tracker: Tracker, topic: Topic) -> None:
    """What the sources say on a topic about sciatica, its catalog entries as buttons."""
    # After an emergency referral no exercise is offered, whatever the question.
    buttons = [] if tracker.get_slot("emergency_referred") else [
        exercise_button(content.catalog.get(entry)) for entry in topic.see_also]
    dispatcher.utter_message(text=answer_text(topic, content.answers, content.catalog),
                             json_message=dict(answer_payload(topic)), buttons=buttons)


def answer_with_exercises(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    exercises: Sequence[Exercise],
    screened: bool | None = None,
) -> List[Dict[Text, Any]]:
    """Explain the first exercise; offer up to two others as quick replies.

    Until the user has been screened, a one-line safety note offers the screening.
    """
    if screened is None:
        screened = tracker.get_slot("triage_level") is not None
    if tracker.get_slot("emergency_referred"):
        # After an emergency referral, exercises would bury what matters.
        dispatcher.utter_message(text=content.messages["exercises_paused_after_emergency"])
        dispatcher.utter_message(response="utter_referral_emergency")
        return []
    instead = content.topics.instead_of_exercises(user_texts(tracker))
    if instead:
        # Pregnancy, said at any point: who to ask first, never a plain exercise.
        utter_answer(dispatcher, tracker, instead)
        return [SlotSet("offered_exercises", [])]
    if not exercises:
        dispatcher.utter_message(
            text=content.messages["not_in_catalog"],
            buttons=list(content.messages.buttons["not_in_catalog"]),
        )
        return [SlotSet("offered_exercises", [])]
    best, alternatives = exercises[0], list(exercises[1 : 1 + MAX_ALTERNATIVES])
    dispatcher.utter_message(text=explain(best, content.catalog), json_message=exercise_payload(best))
    buttons = [exercise_button(alternative) for alternative in alternatives]
    if not screened:
        buttons.extend(content.messages.buttons["check_symptoms"])
        dispatcher.utter_message(text=content.messages["safety_note"], buttons=buttons)
    elif buttons:
        dispatcher.utter_message(text=content.messages["other_exercises"], buttons=buttons)
    shown = list(tracker.get_slot("shown_exercises") or [])
    return [
        SlotSet("exercise", best.id),
        SlotSet("offered_exercises", [alternative.id for alternative in alternatives]),
        SlotSet("shown_exercises", [*shown, best.id] if best.id not in shown else shown),
    ]


def exercises_for_question(tracker: Tracker) -> List[Exercise]:
    """Catalog entries for the latest message, best first."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        text = ""  # a button payload: its entities say what was asked
    areas = entity_values(tracker, "body_area")
    named = [e for e in entity_values(tracker, "exercise") if e in content.catalog]
    matches = [m.exercise for m in content.matcher.search(text, areas=areas, exclude=named)]
    if not text and not named and not areas:
        matches = [m.exercise for m in content.matcher.search("best exercise for sciatica")]
    return [content.catalog.get(named[0]), *matches] if named else matches


class ActionExplainExercise(Action):
    """Explains the best match for the user's question, with alternatives."""

    def name(self) -> Text:
        return "action_explain_exercise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return answer_with_exercises(dispatcher, tracker, exercises_for_question(tracker))
