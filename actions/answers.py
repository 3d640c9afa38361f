"""Answers to questions about sciatica itself, from data/answers/sciatica.yml."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import content
from actions.exercises import entity_values, utter_answer
from sciatica.sciatica_answers import Topic

TOPIC_ENTITY = "sciatica_topic"


def topic_button(topic) -> Dict[Text, Text]:
    payload = json.dumps({TOPIC_ENTITY: topic.id})
    return {"title": topic.label[0].upper() + topic.label[1:], "payload": f"/ask_sciatica_info{payload}"}


class ActionAnswerSciaticaInfo(Action):
    """Answers what the sources say about the question's topic, each statement with its source.

    The topic comes from a button (the `sciatica_topic` entity) or from the words
    (sciatica.answer_matching). No topic found: the topics it can answer, as buttons.
    """

    def name(self) -> Text:
        return "action_answer_sciatica_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        chosen = [t for t in entity_values(tracker, TOPIC_ENTITY) if t in content.answers.ids]
        text = tracker.latest_message.get("text") or ""
        topic = content.answers.get(chosen[0]) if chosen else (
            None if text.startswith("/") else content.topics.match(text))
        if topic is None:
            buttons = [topic_button(t) for t in content.answers if not t.first]
            dispatcher.utter_message(text=content.answers.overview, buttons=buttons)
            return []
        utter_answer(dispatcher, tracker, topic)
        return []


def question_behind_hint(tracker: Tracker) -> Optional[Topic]:
    """The question about sciatica whose words touched a red-flag topic ("tips for
    sleeping" touches pain at night): asked about first, it is answered after."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") != "red_flag_hint":
            continue
        if (parse.get("model_intent") or {}).get("name") != "ask_sciatica_info":
            return None
        return content.topics.match(event.get("text") or "")
    return None
