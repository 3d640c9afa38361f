"""Counting referrals and screenings in stored conversations, for clinical review.

Reads Rasa's serialised events (as the tracker store keeps them, one conversation
after the other or interleaved) and counts:

- referrals (bot messages with the `referral` payload) per day, level and red flag;
- screenings started (the screening form activated) and completed (its outcome given);
- conversations in which a red-flag topic came up (a `red_flag_hint` or
  `red_flag_suspected` intent, a `red_flag` or `red_flag_hint` entity) and no
  referral followed: a hint answered "no" is what it should be, a finding left
  without a referral is a fault; both are for a clinician to look at.

What the people wrote is kept out unless asked for (`with_text`). Days are UTC.
Used by scripts/referral_report.py, which reads the store.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

SCREENING_FORM = "screening_form"
OUTCOME_ACTION = "action_screening_outcome"
TOPIC_INTENTS = frozenset({"red_flag_hint", "red_flag_suspected"})
TOPIC_ENTITIES = frozenset({"red_flag", "red_flag_hint"})
NO_FLAG = "(none named)"


@dataclass
class Unreferred:
    """A conversation whose red-flag topic was not followed by a referral."""

    sender_id: str
    first_seen: float
    topics: list[str] = field(default_factory=list)  # flag ids, "(hint)" or "(suspected)" marked
    intents: list[str] = field(default_factory=list)
    screening_completed: bool = False
    texts: list[str] = field(default_factory=list)


@dataclass
class Report:
    conversations: int = 0
    first: float | None = None
    last: float | None = None
    referrals: Counter = field(default_factory=Counter)  # (day, level, flag) -> count
    referral_messages: Counter = field(default_factory=Counter)  # (day, level) -> count
    screenings_started: Counter = field(default_factory=Counter)  # day -> count
    screenings_completed: Counter = field(default_factory=Counter)
    unreferred: list[Unreferred] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "from": _day(self.first) if self.first else None,
            "to": _day(self.last) if self.last else None,
            "referrals": [
                {"day": day, "level": level, "red_flag": flag, "count": count}
                for (day, level, flag), count in sorted(self.referrals.items())
            ],
            "referral_messages": [
                {"day": day, "level": level, "count": count}
                for (day, level), count in sorted(self.referral_messages.items())
            ],
            "screenings": [
                {"day": day, "started": self.screenings_started[day], "completed": self.screenings_completed[day]}
                for day in sorted(set(self.screenings_started) | set(self.screenings_completed))
            ],
            "unreferred": [
                {"conversation": u.sender_id, "first_seen": _moment(u.first_seen), "topics": u.topics,
                 "intents": u.intents, "screening_completed": u.screening_completed,
                 **({"texts": u.texts} if u.texts else {})}
                for u in self.unreferred
            ],
        }


class _Conversation:
    def __init__(self, sender_id: str):
        self.sender_id = sender_id
        self.open: Unreferred | None = None  # topics since the last referral

    def user(self, event: Mapping[str, Any], with_text: bool) -> None:
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        topics = []
        for entity in parse.get("entities") or []:
            if isinstance(entity, Mapping) and entity.get("entity") in TOPIC_ENTITIES and entity.get("value"):
                mark = " (hint)" if entity["entity"] == "red_flag_hint" else ""
                topics.append(f"{entity['value']}{mark}")
        if not topics and intent not in TOPIC_INTENTS:
            return
        if self.open is None:
            self.open = Unreferred(self.sender_id, _timestamp(event))
        for topic in topics:
            if topic not in self.open.topics:
                self.open.topics.append(topic)
        if intent and intent not in self.open.intents:
            self.open.intents.append(intent)
        text = str(event.get("text") or "")
        if with_text and text and not text.startswith("/"):
            self.open.texts.append(text)


def build_report(rows: Iterable[tuple[str, Mapping[str, Any]]], with_text: bool = False,
                 since: float | None = None) -> Report:
    """The report of (sender id, event) rows in the order they were stored."""
    report = Report()
    conversations: dict[str, _Conversation] = {}
    for sender_id, event in rows:
        if not isinstance(event, Mapping):
            continue
        moment = _timestamp(event)
        if since is not None and moment < since:
            continue
        conversation = conversations.get(sender_id)
        if conversation is None:
            conversation = conversations[sender_id] = _Conversation(sender_id)
        report.first = moment if report.first is None else min(report.first, moment)
        report.last = moment if report.last is None else max(report.last, moment)
        day = _day(moment)
        kind = event.get("event")
        if kind == "user":
            conversation.user(event, with_text)
        elif kind == "bot":
            payload = (event.get("data") or {}).get("custom")
            if isinstance(payload, Mapping) and payload.get("type") == "referral":
                level = str(payload.get("level"))
                report.referral_messages[(day, level)] += 1
                for flag in payload.get("red_flags") or [NO_FLAG]:
                    report.referrals[(day, level, str(flag))] += 1
                conversation.open = None
        elif kind == "active_loop" and event.get("name") == SCREENING_FORM:
            report.screenings_started[day] += 1
        elif kind == "action" and event.get("name") == OUTCOME_ACTION:
            report.screenings_completed[day] += 1
            if conversation.open is not None:
                conversation.open.screening_completed = True
    report.conversations = len(conversations)
    report.unreferred = sorted((c.open for c in conversations.values() if c.open), key=lambda u: u.first_seen)
    return report


def format_report(report: Report, source: str) -> str:
    """The report as plain text, one table per question."""
    lines = [f"Referral report of {source}: {report.conversations} conversation(s)"
             + (f", {_day(report.first)} to {_day(report.last)} (UTC)" if report.first else "")]
    lines += ["", "Referrals per day, level and red flag (a referral may name several flags)"]
    lines += _table(("day", "level", "red flag", "referrals"),
                    [(day, level, flag, count) for (day, level, flag), count in sorted(report.referrals.items())])
    lines += ["", "Referral messages per day and level"]
    lines += _table(("day", "level", "messages"),
                    [(day, level, count) for (day, level), count in sorted(report.referral_messages.items())])
    lines += ["", "Screenings per day"]
    days = sorted(set(report.screenings_started) | set(report.screenings_completed))
    lines += _table(("day", "started", "completed"),
                    [(day, report.screenings_started[day], report.screenings_completed[day]) for day in days])
    lines += ["", "Red-flag topics with no referral after them, for review"]
    rows = [(u.sender_id, _moment(u.first_seen), ", ".join(u.topics) or "-", ", ".join(u.intents) or "-",
             "yes" if u.screening_completed else "no") for u in report.unreferred]
    lines += _table(("conversation", "first seen (UTC)", "topics", "intents", "screening done"), rows)
    for unreferred in report.unreferred:
        for text in unreferred.texts:
            lines.append(f"  {unreferred.sender_id} said: {text}")
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    if not rows:
        return ["  none"]
    cells = [tuple(str(value) for value in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(header))]
    return ["  " + "  ".join(cell.rjust(w) if numeric[i] else cell.ljust(w) for i, (cell, w) in
                             enumerate(zip(row, widths))).rstrip() for row in cells]


def _timestamp(event: Mapping[str, Any]) -> float:
    try:
        return float(event.get("timestamp") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _day(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d")


def _moment(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M")
