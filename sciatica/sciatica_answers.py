"""Answers to questions about sciatica itself (data/answers/sciatica.yml), checked at load.

Each topic's answer is made of statements, each with its source: one of the catalog's source
documents, named by its label, or the general NHS-style advice, always shown as general
advice. Where the sources say nothing, the topic's `gap` says so and its `ask` says who can
help. A broken file (unknown source or catalog entry, missing or empty text, unknown field,
duplicate id, a topic that says nothing) raises DataFileError naming the file and the topic.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from . import DATA_DIR
from .catalog import Catalog, default_catalog
from .datafiles import DataFileError, load_yaml, require_fields, require_mapping, require_unique_ids

DEFAULT_ANSWERS_PATH = DATA_DIR / "answers" / "sciatica.yml"
GENERAL = "general"
_TOPIC_FIELDS = ("id", "label", "match", "statements", "see_also")
_OPTIONAL_FIELDS = ("gap", "ask", "first", "instead_of_exercises")


@dataclass(frozen=True)
class Statement:
    text: str
    source: str  # a catalog source file, or GENERAL

    @property
    def is_general(self) -> bool:
        return self.source == GENERAL


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    match: tuple[str, ...]
    statements: tuple[Statement, ...]
    see_also: tuple[str, ...]
    gap: str | None = None
    ask: str | None = None
    first: bool = False
    # Mentioned anywhere in the conversation, this answer replaces every exercise.
    instead_of_exercises: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        """The source documents the answer quotes, in order, without the general advice."""
        return tuple(dict.fromkeys(s.source for s in self.statements if not s.is_general))

    @property
    def has_general_advice(self) -> bool:
        return any(s.is_general for s in self.statements)


@dataclass(frozen=True)
class SciaticaAnswers:
    path: Path
    general_source: str
    overview: str
    topics: tuple[Topic, ...]

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def get(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(f"no sciatica answer with topic '{topic_id}'")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)


def load_answers(path: Path | str = DEFAULT_ANSWERS_PATH, catalog: Catalog | None = None) -> SciaticaAnswers:
    path = Path(path)
    catalog = catalog or default_catalog()
    data = require_mapping(path, load_yaml(path))
    unknown = set(data) - {"general_source", "overview", "topics"}
    if unknown:
        raise DataFileError(path, f"unknown top-level fields: {', '.join(sorted(unknown))}")
    require_fields(path, "general_source", data, ("general_source", "overview", "topics"))
    raw_topics = data["topics"]
    if not isinstance(raw_topics, list) or not raw_topics:
        raise DataFileError(path, "'topics' must be a non-empty list")
    topics = tuple(_parse_topic(path, raw, catalog) for raw in raw_topics)
    require_unique_ids(path, raw_topics)
    return SciaticaAnswers(path, str(data["general_source"]), _text(path, "overview", data["overview"], "overview"), topics)


@functools.lru_cache(maxsize=1)
def default_answers() -> SciaticaAnswers:
    return load_answers(DEFAULT_ANSWERS_PATH)


def _text(path: Path, topic_id: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(path, f"'{what}' must be a non-empty text", topic_id)
    return " ".join(value.split())


def _parse_topic(path: Path, raw: Any, catalog: Catalog) -> Topic:
    raw = require_mapping(path, raw, "topics")
    topic_id = str(raw.get("id") or "<topic without id>")
    for key in _TOPIC_FIELDS:
        if key not in raw:
            raise DataFileError(path, f"missing field '{key}'", topic_id)
    unknown = set(raw) - set(_TOPIC_FIELDS) - set(_OPTIONAL_FIELDS)
    if unknown:
        raise DataFileError(path, f"unknown fields: {', '.join(sorted(unknown))}", topic_id)
    if not re.fullmatch(r"[a-z][a-z_]*", topic_id):
        raise DataFileError(path, "id must be snake_case", topic_id)
    match = raw["match"]
    if not isinstance(match, list) or not match:
        raise DataFileError(path, "'match' must be a non-empty list of words or phrases", topic_id)
    statements = []
    if not isinstance(raw["statements"], list):
        raise DataFileError(path, "'statements' must be a list (empty when the sources say nothing)", topic_id)
    for item in raw["statements"]:
        item = require_mapping(path, item, topic_id)
        if set(item) != {"text", "source"}:
            raise DataFileError(path, "a statement has exactly 'text' and 'source'", topic_id)
        source = item["source"]
        if source != GENERAL and source not in catalog.sources:
            raise DataFileError(path, f"unknown source '{source}' (known: {GENERAL}, {', '.join(catalog.sources)})",
                                topic_id)
        statements.append(Statement(_text(path, topic_id, item["text"], "text"), source))
    see_also = raw["see_also"]
    if not isinstance(see_also, list):
        raise DataFileError(path, "'see_also' must be a list of catalog ids", topic_id)
    for entry in see_also:
        if entry not in catalog:
            raise DataFileError(path, f"'see_also' names '{entry}', which is not in the catalog", topic_id)
    gap = _text(path, topic_id, raw["gap"], "gap") if raw.get("gap") is not None else None
    ask = _text(path, topic_id, raw["ask"], "ask") if raw.get("ask") is not None else None
    if not statements and not gap:
        raise DataFileError(path, "a topic without statements must say what the sources lack ('gap')", topic_id)
    flags = {}
    for key in ("first", "instead_of_exercises"):
        flags[key] = raw.get(key, False)
        if not isinstance(flags[key], bool):
            raise DataFileError(path, f"'{key}' must be true or false", topic_id)
    if flags["instead_of_exercises"] and see_also:
        raise DataFileError(path, "a topic shown instead of exercises cannot offer exercises ('see_also')", topic_id)
    return Topic(
        id=topic_id, label=_text(path, topic_id, raw["label"], "label"),
        match=tuple(_text(path, topic_id, m, "match") for m in match), statements=tuple(statements),
        see_also=tuple(see_also), gap=gap, ask=ask, **flags,
    )


# ------------------------------------------------------------------------ the answer


def answer_text(topic: Topic, answers: SciaticaAnswers | None = None, catalog: Catalog | None = None) -> str:
    """Plain text for a chat bubble: what the sources lack, what each says (named), who can help."""
    answers = answers or default_answers()
    catalog = catalog or default_catalog()
    paragraphs = []
    if topic.gap:
        paragraphs.append(topic.gap)
    for source, group in _by_source(topic.statements):
        texts = " ".join(statement.text for statement in group)
        if source == GENERAL:
            paragraphs.append(f"General advice (NHS): {texts}")
        else:
            label = catalog.source_label(source)
            paragraphs.append(f"{label[0].upper()}{label[1:]} says: {texts}")
    if topic.ask:
        paragraphs.append(topic.ask)
    named = [catalog.source_label(s) for s in topic.sources]
    if topic.has_general_advice:
        named.append(f"general advice: {answers.general_source}")
    if named:
        paragraphs.append("Source: " + "; ".join(named) + ".")
    return "\n\n".join(paragraphs)


def _by_source(statements) -> list[tuple[str, list[Statement]]]:
    """Consecutive statements of one source, together."""
    groups: list[tuple[str, list[Statement]]] = []
    for statement in statements:
        if groups and groups[-1][0] == statement.source:
            groups[-1][1].append(statement)
        else:
            groups.append((statement.source, [statement]))
    return groups


def answer_payload(topic: Topic) -> Mapping[str, Any]:
    """The `answer` payload of the message contract (DEVELOPERS.md)."""
    return {"type": "answer", "topic": topic.id, "sources": list(topic.sources),
            "general_advice": topic.has_general_advice}
