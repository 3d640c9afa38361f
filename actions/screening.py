"""The safety screening: hinted topics first, stop at the first answer that needs a referral."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.content import content
from actions.answers import question_behind_hint
from actions.exercises import answer_with_exercises, utter_answer
from sciatica.screening import ScreeningQuestion, needs_referral, parse_answer, questions_for
from sciatica.triage import assess_ids

TYPED_COMMAND = "typed_command"  # see sciatica_rasa.components.TypedCommandMarker
HINT_ENTITY = "red_flag_hint"  # see sciatica_rasa.components.RedFlagTriage
# Button payloads and these intents answer without needing to parse the text.
ANSWER_OF_INTENT = {"affirm": "yes", "deny": "no", "unsure": "unsure"}
ANSWERS = frozenset(ANSWER_OF_INTENT.values())


def referral_message(domain: DomainDict, level: Text, flags: List[Text]) -> Dict[Text, Any]:
    """The domain's referral for `level` (text and the summary quick reply), with the payload of the message contract."""
    response = domain["responses"][f"utter_referral_{level}"][0]
    return {
        "text": response["text"],
        "buttons": [dict(button) for button in response.get("buttons") or []],
        "json_message": {"type": "referral", "level": level, "red_flags": flags},
    }


def answer_of(tracker: Tracker, value: Any) -> Optional[Text]:
    """yes / no / unsure from the answer's intent, else from its words."""
    if tracker.latest_message.get(TYPED_COMMAND):
        return None  # typed "/inform{...}" must not answer a safety question
    if value in ANSWERS:
        return value
    intent = tracker.latest_message.get("intent", {}).get("name")
    if intent in ANSWER_OF_INTENT:
        return ANSWER_OF_INTENT[intent]
    return parse_answer(str(value)) if value is not None else None


def stored_answer(value: Any) -> Optional[Text]:
    return value if value in ANSWERS else (parse_answer(str(value)) if value else None)


def hinted_entities(tracker: Tracker) -> List[Dict[Text, Any]]:
    return [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == HINT_ENTITY]


def screening_order(tracker: Tracker) -> List[ScreeningQuestion]:
    """The hinted topics' questions first, then (for a full screening) every usual one."""
    hinted = questions_for(tracker.get_slot("hinted_flags") or [], content.screening)
    full = (tracker.get_slot("screening_scope") or "full") == "full"
    usual = [question for question in content.screening if question.always] if full else []
    return list(dict.fromkeys([*hinted, *usual]))


def flags_needing_referral(tracker: Tracker) -> List[Text]:
    flags: List[Text] = []
    for question in content.screening:
        answer = stored_answer(tracker.get_slot(question.slot))
        if answer and needs_referral(question, answer):
            flags.extend(flag for flag in question.flags if flag not in flags)
    return flags


def pending_gp_findings(tracker: Tracker) -> List[Text]:
    """GP-level flags found in what the person said: they join the screening's outcome."""
    flags = tracker.get_slot("red_flags") or []
    return [flag for flag in flags if flag in content.red_flags.flags and content.red_flags.flags[flag].level == "gp"]


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_screening_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """Stop asking once an answer needs a referral: it must not wait for the rest."""
        required: List[Text] = []
        for question in screening_order(tracker):
            required.append(question.slot)
            answer = stored_answer(tracker.get_slot(question.slot))
            if answer and needs_referral(question, answer):
                break
        return required

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        """One validation for every question: keep yes / no / unsure, re-ask otherwise.

        A topic mentioned again is asked again, even if it was answered before.
        """
        events = []
        mentioned = {e.get("value") for e in hinted_entities(tracker)}
        for question in questions_for(mentioned, content.screening):
            if tracker.get_slot(question.slot) is not None:
                events.append(SlotSet(question.slot, None))
        for slot, value in tracker.slots_to_validate().items():
            if slot in content.screening_slots:
                answer = answer_of(tracker, value)
                if answer is None:
                    dispatcher.utter_message(text=content.messages["answer_yes_no"])
                events.append(SlotSet(slot, answer))
        return events


class ActionScreeningOutcome(Action):
    """After the screening: refer at the highest level found, or offer exercises."""

    def name(self) -> Text:
        return "action_screening_outcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        full = (tracker.get_slot("screening_scope") or "full") == "full"
        done = [SlotSet("hinted_flags", None), SlotSet("screening_scope", None)]
        if full:
            done.append(SlotSet("screened", True))
        flags = flags_needing_referral(tracker) + pending_gp_findings(tracker)
        if flags:
            assessment = assess_ids(flags, content.red_flags)
            dispatcher.utter_message(**referral_message(domain, assessment.level, list(assessment.flags)))
            done += [SlotSet("triage_level", assessment.level), SlotSet("red_flags", list(assessment.flags))]
            if assessment.level == "emergency":
                done.append(SlotSet("emergency_referred", True))
            if assessment.level != "gp":
                return done
            # A GP appointment may be days away: gentle exercises meanwhile.
        elif not full:
            question = question_behind_hint(tracker)
            if question:
                dispatcher.utter_message(text=content.messages["hint_all_clear_then_answer"])
                utter_answer(dispatcher, tracker, question)
            else:
                dispatcher.utter_message(
                    text=content.messages["hint_all_clear"], buttons=list(content.messages.buttons["capabilities"])
                )
            return done
        else:
            dispatcher.utter_message(text=content.messages["all_clear"])
            done.append(SlotSet("triage_level", "self_care"))
        area = tracker.get_slot("body_area")
        query = area or "best exercise for sciatica"
        matches = [m.exercise for m in content.matcher.search(query, areas=[area] if area else [])]
        return [*done, *answer_with_exercises(dispatcher, tracker, matches, screened=True)]


class AskScreeningQuestion(Action, ABC):
    """Asks one screening question, worded in data/triage/screening.yml.

    Asked because the person mentioned its topic, it says so, in their words. The
    message carries the `safety_question` payload (DEVELOPERS.md). rasa-sdk
    instantiates every concrete Action without arguments, so there is one small
    subclass per question, made below from the screening file.
    """

    @property
    @abstractmethod
    def slot(self) -> Text:
        """The form slot this question fills."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        question = content.screening_question(self.slot)
        mention = next((e for e in hinted_entities(tracker) if e.get("value") in question.flags), None)
        if mention:
            intro = content.messages["hint_intro"].format(mention=_mention_text(tracker, mention))
            text = f"{intro} {question.after_hint}"
        else:
            text = question.question
        dispatcher.utter_message(
            text=text,
            buttons=list(content.messages.buttons["screening_answers"]),
            json_message={
                "type": "safety_question",
                "slot": question.slot,
                "red_flags": list(question.flags),
                "level_if_yes": content.red_flags.level_of(question.flags),
                "asked_because": [mention["value"]] if mention else [],
            },
        )
        return []


def _mention_text(tracker: Tracker, entity: Dict[Text, Any]) -> Text:
    text = tracker.latest_message.get("text") or ""
    start, end = entity.get("start"), entity.get("end")
    words = text[start:end] if isinstance(start, int) and isinstance(end, int) else entity.get("text", "")
    return " ".join(words.split()) or "that"


ASK_ACTIONS = [
    type(f"Ask_{question.slot}", (AskScreeningQuestion,), {"slot": question.slot})
    for question in content.screening
]
