"""The summary for a doctor, built from one conversation's tracker events.

After a referral the person has to tell everything again, to 111, a GP or A&E.
The summary puts down what this conversation holds, and nothing else: the date and
time, what the person said about their symptoms in their own words (each message
that carried a red-flag finding, a hint or a marker, or described their symptoms),
the red flags found and the markers noted (no warning sign alone), the screening questions as they were asked with
the answers given, the advice given and its urgency, and the exercises shown. Its
wording is in data/summary.yml; nothing in it is made up.

It reads Rasa's serialised events (the dicts of a rasa-sdk `Tracker.events`, of the
tracker store and of `rasa export`), only those of the conversation it is given and
only since its latest session start or restart, so no summary ever holds another
conversation's words. This module imports nothing of Rasa: the action
(actions/summary.py) is a thin layer on top, and the tests build events by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

from sciatica import DATA_DIR
from sciatica.datafiles import DataFileError, load_yaml, require_mapping
from sciatica.screening import ANSWER_HINT
from sciatica.triage import LEVELS, UNCLASSIFIED_PREFIX, RedFlagBook, highest_level, load_red_flags

DEFAULT_SUMMARY_PATH = DATA_DIR / "summary.yml"

SUMMARY_TYPE = "summary"
REFERRAL_TYPE = "referral"
SAFETY_QUESTION_TYPE = "safety_question"
EXERCISE_TYPE = "exercise"
RED_FLAG_ENTITY = "red_flag"
HINT_ENTITY = "red_flag_hint"
# Intents of messages about the person's symptoms (set by RedFlagTriage, or the model's).
RED_FLAG_INTENTS = frozenset({
    "red_flag_emergency", "red_flag_urgent", "red_flag_gp", "red_flag_suspected", "red_flag_hint",
    "red_flag_urgent_ask",
})
SYMPTOM_INTENTS = frozenset({"describe_symptoms", "report_exercise_pain"})
# The action whose first message is the advice of a screening that found nothing.
OUTCOME_ACTION = "action_screening_outcome"
ANSWERS = ("yes", "no", "unsure")
# A conversation starts afresh after these events.
FRESH_START_EVENTS = frozenset({"session_started", "restart"})

TEXT_KEYS = ("title", "made", "note")
SECTION_KEYS = ("advice", "reported", "found", "noted", "answers", "exercises")
# "Reply yes, no, or not sure." ends every question (sciatica/screening.py checks it).
_ANSWER_HINT = re.compile(r"\s*".join(map(re.escape, ANSWER_HINT.split())) + r"\s*\.?", re.IGNORECASE)


@dataclass(frozen=True)
class SummaryTexts:
    """The summary's wording (data/summary.yml)."""

    title: str
    made: str
    note: str
    sections: Mapping[str, str]
    nothing: Mapping[str, str]
    levels: Mapping[str, str]
    answers: Mapping[str, str]
    flags: Mapping[str, str]
    markers: Mapping[str, str]

    def sign_name(self, item: str) -> str:
        """The plain words for a red flag or marker id (unknown ids stay as they are)."""
        if item.startswith(UNCLASSIFIED_PREFIX):
            return self.flags["unclassified"]
        return self.flags.get(item) or self.markers.get(item) or item


def load_summary_texts(path: Path | str = DEFAULT_SUMMARY_PATH, book: RedFlagBook | None = None) -> SummaryTexts:
    """Load data/summary.yml, checking it names every red flag and marker, and nothing else."""
    path = Path(path)
    book = book or load_red_flags()
    data = require_mapping(path, load_yaml(path))
    texts = {key: _text(path, data.get(key), key) for key in TEXT_KEYS}
    for placeholder in ("{made}", "{started}"):
        if placeholder not in texts["made"]:
            raise DataFileError(path, f"must say where the time goes: {placeholder}", "made")
    sections = _texts(path, data, "sections", SECTION_KEYS)
    nothing = _texts(path, data, "nothing", SECTION_KEYS)
    levels = _texts(path, data, "levels", LEVELS)
    answers = _texts(path, data, "answers", ANSWERS)
    flags = _texts(path, data, "flags", (*book.flags, "unclassified"))
    markers = _texts(path, data, "markers", tuple(book.markers))
    return SummaryTexts(title=texts["title"], made=texts["made"], note=texts["note"], sections=sections,
                        nothing=nothing, levels=levels, answers=answers, flags=flags, markers=markers)


def _text(path: Path, value: Any, entry: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(path, "missing or empty text", entry)
    return " ".join(value.split())


def _texts(path: Path, data: Mapping, section: str, keys: Iterable[str]) -> Mapping[str, str]:
    """A section of texts with exactly these keys."""
    raw = require_mapping(path, data.get(section), section)
    keys = tuple(keys)
    unknown = sorted(str(key) for key in raw if key not in keys)
    if unknown:
        raise DataFileError(path, f"unknown id(s): {', '.join(unknown)}", section)
    return MappingProxyType({key: _text(path, raw.get(key), f"{section}.{key}") for key in keys})


@dataclass(frozen=True)
class Answer:
    question: str  # as it was asked, without "Reply yes, no, or not sure."
    answer: str  # yes | no | unsure
    said: str | None = None  # the person's own words, when they typed more than the answer


@dataclass(frozen=True)
class Summary:
    made: datetime
    started: datetime | None
    level: str | None
    red_flags: tuple[str, ...]
    markers: tuple[str, ...]
    reported: tuple[str, ...]
    answers: tuple[Answer, ...]
    advice: str
    exercises: tuple[str, ...] = field(default=())


def summarise(events: Sequence[Mapping[str, Any]], made: datetime | None = None) -> Summary:
    """The summary of the conversation these events are, since its latest fresh start."""
    made = made or datetime.now(timezone.utc)
    events = _since_fresh_start(events)
    started = next((_time(e) for e in events if e.get("event") == "user" and _time(e)), None)
    reported: list[str] = []
    flags: list[str] = []
    markers: list[str] = []
    referrals: list[tuple[str, str]] = []  # (level, text)
    closing_advice = ""
    exercises: list[str] = []
    answers: list[Answer] = []
    asked: dict[str, str] = {}  # slot -> the question as last asked
    turn_answers: dict[str, Any] = {}  # slot -> its last value set in this turn
    said: str | None = None
    action = None
    action_spoke = False
    action_referred = False

    def close_turn() -> None:
        for slot, value in turn_answers.items():
            if value in ANSWERS and slot in asked:
                answers.append(Answer(asked.pop(slot), value, _own_words(said, value)))
        turn_answers.clear()

    for event in events:
        kind = event.get("event")
        if kind == "user":
            close_turn()
            text = str(event.get("text") or "").strip()
            said = None if text.startswith("/") else text
            parse = event.get("parse_data") or {}
            found = _entity_values(parse, RED_FLAG_ENTITY)
            triage = parse.get("triage") if isinstance(parse.get("triage"), Mapping) else {}
            found_markers = [str(m) for m in triage.get("markers") or []]
            _add_new(flags, found)
            _add_new(markers, found_markers)
            intent = (parse.get("intent") or {}).get("name")
            if said and (found or found_markers or _entity_values(parse, HINT_ENTITY)
                         or intent in RED_FLAG_INTENTS or intent in SYMPTOM_INTENTS):
                _add_new(reported, [said])
        elif kind == "action":
            action, action_spoke, action_referred = event.get("name"), False, False
        elif kind == "bot":
            payload = (event.get("data") or {}).get("custom")
            payload = payload if isinstance(payload, Mapping) else {}
            text = " ".join(str(event.get("text") or "").split())
            kind_of_payload = payload.get("type")
            if kind_of_payload == REFERRAL_TYPE and payload.get("level") in LEVELS:
                referrals.append((payload["level"], text))
                _add_new(flags, [str(flag) for flag in payload.get("red_flags") or []])
                action_referred = True
            elif kind_of_payload == SAFETY_QUESTION_TYPE and payload.get("slot"):
                asked[str(payload["slot"])] = _question_text(text)
            elif kind_of_payload == EXERCISE_TYPE and payload.get("name"):
                _add_new(exercises, [str(payload["name"])])
            if action == OUTCOME_ACTION and not action_spoke and not action_referred and text:
                closing_advice = text  # the all-clear of a screening, with what to watch for
            action_spoke = True
        elif kind == "slot" and event.get("name") in asked:
            turn_answers[str(event["name"])] = event.get("value")
    close_turn()

    level = highest_level(level for level, _ in referrals)
    advice = next((text for lvl, text in reversed(referrals) if lvl == level), "") if level else closing_advice
    return Summary(made=made, started=started, level=level, red_flags=tuple(flags), markers=tuple(markers),
                   reported=tuple(reported), answers=tuple(answers), advice=advice, exercises=tuple(exercises))


def summary_payload(summary: Summary, texts: SummaryTexts) -> dict[str, Any]:
    """The `summary` payload of the message contract (DEVELOPERS.md)."""
    return {
        "type": SUMMARY_TYPE,
        "level": summary.level,
        "red_flags": list(summary.red_flags),
        "reported": list(summary.reported),
        "answers": [
            {"question": a.question, "answer": texts.answers[a.answer], **({"said": a.said} if a.said else {})}
            for a in summary.answers
        ],
        "advice": summary.advice,
        "urgency": texts.levels[summary.level] if summary.level else None,
        "markers": list(summary.markers),
        "signs": [texts.sign_name(item) for item in _signs(summary.red_flags)],
        "noted": [texts.sign_name(item) for item in summary.markers],
        "exercises": list(summary.exercises),
        "made": _iso(summary.made),
        "started": _iso(summary.started) if summary.started else None,
        "title": texts.title,
        "note": texts.note,
    }


def summary_text(summary: Summary, texts: SummaryTexts) -> str:
    """The summary in words, paragraphs apart by blank lines: what a client without cards shows and Copy copies."""
    started = summary.started or summary.made
    paragraphs = [texts.title, texts.made.format(made=_human(summary.made), started=_human(started))]
    advice = [f"{texts.sections['advice']}:"]
    if summary.level:
        advice.append(texts.levels[summary.level])
    advice.append(summary.advice or texts.nothing["advice"])
    paragraphs.append("\n".join(advice))
    paragraphs.append(_section(texts, "reported", [f"“{text}”" for text in summary.reported]))
    paragraphs.append(_section(texts, "found", [texts.sign_name(item) for item in _signs(summary.red_flags)]))
    if summary.markers:
        paragraphs.append(_section(texts, "noted", [texts.sign_name(item) for item in summary.markers]))
    paragraphs.append(_section(texts, "answers", [
        f"{a.question} {texts.answers[a.answer]}" + (f" (“{a.said}”)" if a.said else "") for a in summary.answers
    ]))
    paragraphs.append(_section(texts, "exercises", list(summary.exercises)))
    paragraphs.append(texts.note)
    return "\n\n".join(paragraphs)


def _section(texts: SummaryTexts, key: str, lines: list[str]) -> str:
    if not lines:
        return f"{texts.sections[key]}: {texts.nothing[key]}"
    return "\n".join([f"{texts.sections[key]}:", *(f"- {line}" for line in lines)])


def _signs(red_flags: Iterable[str]) -> list[str]:
    """The red flags, the trained model's unnamed ones (of any level) once."""
    signs: list[str] = []
    unnamed = False
    for item in red_flags:
        if item.startswith(UNCLASSIFIED_PREFIX):
            if unnamed:
                continue
            unnamed = True
        signs.append(item)
    return signs


def _since_fresh_start(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    events = [e for e in events if isinstance(e, Mapping)]
    starts = [i for i, e in enumerate(events) if e.get("event") in FRESH_START_EVENTS]
    return events[starts[-1] + 1:] if starts else events


def _entity_values(parse: Mapping[str, Any], entity: str) -> list[str]:
    return [str(e["value"]) for e in parse.get("entities") or []
            if isinstance(e, Mapping) and e.get("entity") == entity and e.get("value")]


def _add_new(items: list[str], new: Iterable[str]) -> None:
    for item in new:
        if item and item not in items:
            items.append(item)


def _question_text(text: str) -> str:
    return " ".join(_ANSWER_HINT.sub("", text).split())


def _own_words(said: str | None, answer: str) -> str | None:
    """The person's reply, unless it is only the answer itself ("yes", "No.")."""
    if not said:
        return None
    bare = re.sub(r"[^a-z ]", "", said.lower()).strip()
    return None if bare in {answer, "not sure" if answer == "unsure" else answer} else said


def _time(event: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(event["timestamp"]), timezone.utc)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _human(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"
