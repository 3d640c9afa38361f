"""Follow-ups about the exercise in context: "how long do I hold it?", "another one"."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import content
from actions.exercises import answer_with_exercises, entity_values, user_texts
from sciatica.exercise_answers import follow_up

# The follow-up intents and the catalog topic each one asks about.
TOPIC_OF_INTENT = {
    "ask_hold_time": "hold_time",
    "ask_reps": "reps",
    "ask_frequency": "frequency",
    "ask_other_side": "other_side",
    "report_exercise_pain": "if_it_hurts",
    "ask_easier": "easier",
    "ask_harder": "harder",
    "ask_why": "why",
    "ask_equipment": "equipment",
    "ask_where": "where",
}
OPTION_INDEX = {"first": 0, "1": 0, "1st": 0, "one": 0, "second": 1, "2": 1, "2nd": 1, "two": 1}


def current_exercise(tracker: Tracker):
    exercise_id = tracker.get_slot("exercise")
    return content.catalog.get(exercise_id) if exercise_id in content.catalog else None


class ActionExerciseFollowUp(Action):
    """Answers a question about the exercise in context from its catalog entry."""

    def name(self) -> Text:
        return "action_exercise_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if content.topics.instead_of_exercises(user_texts(tracker)):
            return answer_with_exercises(dispatcher, tracker, [])  # says who to ask first
        # "how long should I hold a plank for": the exercise named in the question comes first.
        named = [e for e in entity_values(tracker, "exercise") if e in content.catalog]
        exercise = content.catalog.get(named[0]) if named else current_exercise(tracker)
        topic = TOPIC_OF_INTENT.get(tracker.latest_message.get("intent", {}).get("name"))
        if exercise is None or topic is None:
            dispatcher.utter_message(text=content.messages["which_exercise"])
            return []
        dispatcher.utter_message(text=follow_up(exercise, topic, content.catalog))
        return [SlotSet("exercise", exercise.id)] if named and exercise.id != tracker.get_slot("exercise") else []


class ActionAnotherExercise(Action):
    """A different exercise for the same area: the next one offered, or a new search."""

    def name(self) -> Text:
        return "action_another_exercise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        shown = list(tracker.get_slot("shown_exercises") or [])
        offered = [e for e in tracker.get_slot("offered_exercises") or [] if e not in shown]
        if offered:
            return answer_with_exercises(dispatcher, tracker, [content.catalog.get(offered[0])])
        exercise = current_exercise(tracker)
        areas = list(exercise.targets) if exercise else [tracker.get_slot("body_area") or ""]
        query = " ".join(areas) or "best exercise for sciatica"
        matches = content.matcher.search(query, areas=areas, exclude=shown)
        if not matches:
            matches = content.matcher.search("best exercise for sciatica", exclude=shown)
        return answer_with_exercises(dispatcher, tracker, [m.exercise for m in matches])


class ActionChooseOption(Action):
    """"The second one": picks from the alternatives offered last."""

    def name(self) -> Text:
        return "action_choose_option"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        offered = list(tracker.get_slot("offered_exercises") or [])
        choice = self._choice(entity_values(tracker, "option"), offered)
        if choice is None:
            dispatcher.utter_message(text=content.messages["which_option"])
            return []
        return answer_with_exercises(dispatcher, tracker, [content.catalog.get(choice)])

    @staticmethod
    def _choice(options: List[Text], offered: List[Text]) -> Optional[Text]:
        if not offered or not options:
            return None
        word = options[0].lower()
        index = len(offered) - 1 if word == "last" else OPTION_INDEX.get(word)
        return offered[index] if index is not None and index < len(offered) else None
