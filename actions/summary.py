"""The summary for a doctor: a thin action over sciatica.summary.

Built from this conversation's own tracker, the only one Rasa hands the action;
it is shown in the chat and never sent anywhere else.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import content
from sciatica.summary import summarise, summary_payload, summary_text


class ActionSummary(Action):
    def name(self) -> Text:
        return "action_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        summary = summarise(tracker.events)
        dispatcher.utter_message(
            text=summary_text(summary, content.summary), json_message=summary_payload(summary, content.summary)
        )
        return []
