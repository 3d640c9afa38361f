"""Exercise answers: find the best catalog entry for a question and explain it."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import content
from sciatica.exercise_answers import explain, exercise_payload

MAX_ALTERNATIVES = 2
SAFETY_NOTE = (
    "Go gently and only as far as is comfortable, and stop if pain spreads further "
    "down your leg."
)


def entity_values(tracker: Tracker, entity: Text) -> List[Text]:
    return [
        str(item["value"])
        for item in tracker.latest_message.get("entities", [])
        if item.get("entity") == entity and item.get("value")
    ]


def exercise_button(exercise) -> Dict[Text, Text]:
    payload = json.dumps({"exercise": exercise.id})
    return {"title": exercise.name, "payload": f"/ask_how_to{payload}"}


class ActionExplainExercise(Action):
    """Explains the best match for the user's question, with alternatives."""

    def name(self) -> Text:
        return "action_explain_exercise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_slot("emergency_referred"):
            dispatcher.utter_message(response="utter_exercises_paused_after_emergency")
            dispatcher.utter_message(response="utter_referral_emergency")
            return []

        text = tracker.latest_message.get("text") or ""
        areas = entity_values(tracker, "body_area")
        named = entity_values(tracker, "exercise")
        if named and named[0] in content.catalog.ids:
            matches = [content.catalog.get(named[0])]
            matches += [m.exercise for m in content.matcher.search(text, areas=areas, exclude=named)]
        else:
            matches = [m.exercise for m in content.matcher.search(text, areas=areas)]

        if not matches:
            dispatcher.utter_message(response="utter_not_in_catalog")
            return [SlotSet("offered_exercises", [])]

        best, alternatives = matches[0], matches[1 : 1 + MAX_ALTERNATIVES]
        dispatcher.utter_message(text=explain(best), json_message=exercise_payload(best))
        dispatcher.utter_message(
            text=SAFETY_NOTE,
            buttons=[exercise_button(alternative) for alternative in alternatives],
        )
        return [
            SlotSet("exercise", best.id),
            SlotSet("offered_exercises", [alternative.id for alternative in alternatives]),
        ]
