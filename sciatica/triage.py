"""Red flags, referral levels and the triage decision.

The red flags and their wording live in data/triage/red_flags.yml; this module loads
them (schema checked: a broken file stops the bot at start) and turns what the
red-flag detector found in a message into an `Assessment`: which flags, and the
referral level after combined warnings have raised it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from spacy.tokens import Doc

from sciatica import DATA_DIR
from sciatica.datafiles import DataFileError, load_yaml, require_fields, require_mapping, require_unique_ids

DEFAULT_RED_FLAGS_PATH = DATA_DIR / "triage" / "red_flags.yml"

# Ordered by severity: the first is the most urgent.
LEVELS = ("emergency", "urgent", "gp")

# A red flag only the trained model suspects, reported as `unclassified_<level>`.
UNCLASSIFIED_PREFIX = "unclassified_"

# Span groups written by the red-flag detector (sciatica/nlp/red_flags.py).
SPANS_KEY = "red_flags"
MARKERS_SPANS_KEY = "red_flag_markers"
NEGATED_SPANS_KEY = "red_flags_negated"
HINTS_SPANS_KEY = "red_flag_hints"

FLAG_FIELDS = ("id", "condition", "level", "source", "found_when")
MARKER_FIELDS = ("id", "description", "found_when")
LIST_SECTIONS = {"areas": "area", "functions": "function", "changes": "change", "terms": "term"}
SETTINGS_FIELDS = ("window", "sentence_ends", "list_joiners", "list_fillers", "scope_passes")
WITHIN = ("clause", "message")

# Context records, as medspaCy's ConText rules: a closed set of keys and values.
CONTEXT_KEYS = ("cue", "category", "direction", "max_scope", "allowed_flags", "excluded_flags")
CATEGORIES = ("negated", "historical", "hypothetical", "family", "pseudo", "terminate")
SCOPED_CATEGORIES = ("negated", "historical", "hypothetical", "family")
DIRECTIONS = ("forward", "backward", "both")
# A finding under these is not the user's symptom now: it is not referred.
SET_ASIDE_CATEGORIES = ("negated", "historical", "family")


@dataclass(frozen=True)
class Line:
    """Word lists that must all be found together; `unless` look-alikes of this line only."""

    lists: tuple[str, ...]
    unless: tuple[str, ...] = ()
    within: str | None = None  # None: as the flag says


@dataclass(frozen=True)
class RedFlag:
    """A red flag: which word lists, found together in one clause, make it."""

    id: str
    condition: str
    level: str
    source: str
    found_when: tuple[Line, ...] = ()
    hint_when: tuple[Line, ...] = ()
    unless: tuple[str, ...] = ()
    # Found in one clause, or anywhere in the message (tummy pain ... and I feel faint).
    within: str = "clause"
    # Words that also make one of these flags are that flag only.
    yields_to: tuple[str, ...] = ()
    # Anywhere in the message, these make a finding a question instead of a referral;
    # `ask_when_about`: when they are the finding's own words.
    ask_when: tuple[str, ...] = ()
    ask_when_about: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Marker:
    """A finding that is no red flag alone but raises the level with others."""

    id: str
    description: str
    source: str = ""
    found_when: tuple[Line, ...] = ()
    unless: tuple[str, ...] = ()
    hint_when: tuple[Line, ...] = ()  # markers are never asked about
    within: str = "clause"
    yields_to: tuple[str, ...] = ()
    ask_when: tuple[str, ...] = ()
    ask_when_about: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContextRule:
    """One modifier: a cue, what it means, which way and how far it reaches, what it may touch."""

    cues: tuple[str, ...]
    category: str
    direction: str | None = None
    max_scope: int | None = None
    allowed_flags: frozenset[str] | None = None
    excluded_flags: frozenset[str] | None = None

    def touches(self, flag_id: str) -> bool:
        if self.allowed_flags is not None:
            return flag_id in self.allowed_flags
        return self.excluded_flags is None or flag_id not in self.excluded_flags


@dataclass(frozen=True)
class Escalation:
    """Combined warnings: when all of `when_all` and one of `when_any` were found."""

    id: str
    when_all: tuple[str, ...]
    when_any: tuple[str, ...] = ()
    add: str | None = None
    raise_to: str | None = None
    source: str = ""

    def applies(self, evidence: frozenset[str]) -> bool:
        if not all(item in evidence for item in self.when_all):
            return False
        return not self.when_any or any(item in evidence for item in self.when_any)


@dataclass(frozen=True)
class RedFlagBook:
    flags: Mapping[str, RedFlag]
    markers: Mapping[str, Marker] = field(default_factory=dict)
    escalations: tuple[Escalation, ...] = ()
    # Word lists by name, and the kind of each: area, change or term.
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    context: tuple[ContextRule, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.flags)

    def get(self, flag_id: str) -> RedFlag:
        return self.flags[flag_id]

    def level_of(self, ids: Iterable[str]) -> str | None:
        """The most urgent level among these flags (markers have none)."""
        return highest_level(self.flags[i].level for i in ids if i in self.flags)

    def known(self, item: str) -> bool:
        return item in self.flags or item in self.markers


@dataclass(frozen=True)
class Assessment:
    """What to do about one message (or several turns, see `assess_ids`).

    `evidence` is what the detector found, markers included, before escalations:
    keep it across turns and pass the union to `assess_ids`. `hints` are flags whose
    topic the message touched without a complete, affirmed finding: the bot asks
    about them. `mentions` holds the words of each hint as the person wrote them.
    """

    flags: tuple[str, ...]
    level: str | None
    negated: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    mentions: Mapping[str, str] = field(default_factory=dict)


def highest_level(levels: Iterable[str | None]) -> str | None:
    ranked = [LEVELS.index(level) for level in levels if level is not None]
    return LEVELS[min(ranked)] if ranked else None


def assess(doc: Doc, book: RedFlagBook) -> Assessment:
    """The assessment of a message processed by the red-flag detector."""
    found = {span.label_ for key in (SPANS_KEY, MARKERS_SPANS_KEY) for span in doc.spans.get(key, [])}
    negated = {span.label_ for span in doc.spans.get(NEGATED_SPANS_KEY, [])} - found
    assessment = assess_ids(found, book)
    mentions: dict[str, str] = {}
    for span in doc.spans.get(HINTS_SPANS_KEY, []):
        if span.label_ not in assessment.flags:
            mentions.setdefault(span.label_, span.text)
    return replace(
        assessment,
        negated=tuple(sorted(negated)),
        hints=tuple(sorted(mentions, key=lambda flag: (LEVELS.index(book.flags[flag].level), flag))),
        mentions=mentions,
    )


def assess_ids(ids: Iterable[str], book: RedFlagBook) -> Assessment:
    """Apply the escalations to flags and markers found, possibly over several turns.

    Escalations look at the evidence as found, not at flags other escalations added:
    "injecting drugs" adds fever_infection, but only a real fever with it is an emergency.
    """
    evidence = frozenset(ids)
    unknown = sorted(item for item in evidence if not book.known(item))
    if unknown:
        raise ValueError(f"unknown red flag or marker ids: {', '.join(unknown)}")
    flags = {item for item in evidence if item in book.flags}
    raised: list[str] = []
    applied: list[str] = []
    for rule in book.escalations:
        if rule.applies(evidence):
            applied.append(rule.id)
            if rule.add:
                flags.add(rule.add)
            if rule.raise_to:
                raised.append(rule.raise_to)
    ordered = sorted(flags, key=lambda flag: (LEVELS.index(book.flags[flag].level), flag))
    return Assessment(
        flags=tuple(ordered),
        level=highest_level([*(book.flags[flag].level for flag in flags), *raised]),
        evidence=tuple(sorted(evidence)),
        escalations=tuple(applied),
    )


# What the rules found, as numbers the intent classifier learns from next to the sentence
# vector: a red flag affirmed at each level, a red flag only denied ("no bladder problems"),
# a red-flag topic touched at each level. The classifier then tells "both my legs are numb"
# from "both my knees crack" with the rules' reading, negation included.
FINDING_FEATURES = (
    *(f"finding_{level}" for level in LEVELS),
    "only_negated",
    *(f"topic_{level}" for level in LEVELS),
)


def finding_features(assessment: Assessment, book: RedFlagBook) -> tuple[float, ...]:
    """One value per name of FINDING_FEATURES: 1.0 where the assessment found it, else 0.0."""
    topics = {book.flags[flag].level for flag in assessment.hints}
    return (
        *(float(assessment.level == level) for level in LEVELS),
        float(bool(assessment.negated) and not assessment.flags),
        *(float(level in topics) for level in LEVELS),
    )


# ---------------------------------------------------------------------------- loading


def load_red_flags(path: Path | str = DEFAULT_RED_FLAGS_PATH, *, check_patterns: bool = True) -> RedFlagBook:
    """Load and check the red-flag book; every word-list entry and cue is compiled."""
    path = Path(path)
    data = require_mapping(path, load_yaml(path))
    _check_known_keys(path, "top level", data, ("settings", *LIST_SECTIONS, "context", "flags", "markers", "escalations"))
    for section in ("settings", *LIST_SECTIONS, "context", "flags"):
        if section not in data:
            raise DataFileError(path, f"section '{section}' is missing", section)
    words, kinds = _load_word_lists(path, data)
    book = RedFlagBook(
        flags=_load_entries(path, data, "flags", FLAG_FIELDS, _load_flag, kinds),
        markers=_load_entries(path, data, "markers", MARKER_FIELDS, _load_marker, kinds, required=False),
        words=words,
        kinds=kinds,
        settings=_load_settings(path, data.get("settings")),
        path=path,
    )
    book = replace(
        book,
        escalations=_load_escalations(path, data.get("escalations") or [], book),
        context=_load_context(path, data.get("context"), book),
    )
    _check_references(path, book)
    if check_patterns:
        # Imported here: the compiler lives with the spaCy component that uses it.
        from sciatica.nlp.red_flags import check_book_patterns

        check_book_patterns(book)
    return book


def _load_word_lists(path: Path, data: Mapping) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    words: dict[str, tuple[str, ...]] = {}
    kinds: dict[str, str] = {}
    for section, kind in LIST_SECTIONS.items():
        lists = require_mapping(path, data.get(section), section)
        for name, entries in lists.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise DataFileError(path, f"list name must be a snake_case name, got {name!r}", section)
            if name in words:
                raise DataFileError(path, f"list '{name}' is defined twice", f"{section}.{name}")
            words[name] = tuple(_string_list(path, f"{section}.{name}", entries, name, non_empty=True))
            kinds[name] = kind
    return words, kinds


def _load_entries(path: Path, data: Mapping, key: str, fields: tuple, loader, kinds, required: bool = True) -> dict:
    entries = data.get(key)
    if entries is None and not required:
        return {}
    if not isinstance(entries, list) or not entries:
        raise DataFileError(path, f"'{key}' must be a non-empty list", key)
    for entry in entries:
        require_mapping(path, entry, key)
        entry_id = str(entry.get("id", "?"))
        require_fields(path, entry_id, entry, fields)
        if not isinstance(entry["id"], str) or not entry["id"].isidentifier():
            raise DataFileError(path, "id must be a snake_case name", entry_id)
    require_unique_ids(path, entries)
    return {entry["id"]: loader(path, entry, kinds) for entry in entries}


def _load_flag(path: Path, entry: Mapping, kinds: Mapping[str, str]) -> RedFlag:
    flag_id = entry["id"]
    if entry["level"] not in LEVELS:
        raise DataFileError(path, f"unknown level '{entry['level']}' (expected one of {', '.join(LEVELS)})", flag_id)
    _check_known_keys(path, flag_id, entry,
                      FLAG_FIELDS + ("hint_when", "unless", "within", "yields_to", "ask_when", "ask_when_about",
                                     "examples"))
    return RedFlag(
        id=flag_id,
        condition=str(entry["condition"]),
        level=entry["level"],
        source=str(entry["source"]),
        found_when=_lines(path, flag_id, entry["found_when"], "found_when", kinds),
        hint_when=_lines(path, flag_id, entry.get("hint_when") or [], "hint_when", kinds),
        unless=_list_names(path, flag_id, entry.get("unless") or [], "unless", kinds),
        within=_within(path, flag_id, entry),
        yields_to=tuple(_string_list(path, flag_id, entry.get("yields_to") or [], "yields_to")),
        ask_when=_list_names(path, flag_id, entry.get("ask_when") or [], "ask_when", kinds),
        ask_when_about=_list_names(path, flag_id, entry.get("ask_when_about") or [], "ask_when_about", kinds),
        examples=tuple(_string_list(path, flag_id, entry.get("examples") or [], "examples")),
    )


def _within(path: Path, entry_id: str, entry: Mapping) -> str:
    within = entry.get("within", "clause")
    if within not in WITHIN:
        raise DataFileError(path, f"within must be one of {', '.join(WITHIN)}, got {within!r}", entry_id)
    return within


def _load_marker(path: Path, entry: Mapping, kinds: Mapping[str, str]) -> Marker:
    marker_id = entry["id"]
    _check_known_keys(path, marker_id, entry, MARKER_FIELDS + ("unless", "source", "within"))
    return Marker(
        id=marker_id,
        description=str(entry["description"]),
        source=str(entry.get("source", "")),
        found_when=_lines(path, marker_id, entry["found_when"], "found_when", kinds),
        unless=_list_names(path, marker_id, entry.get("unless") or [], "unless", kinds),
        within=_within(path, marker_id, entry),
    )


def _lines(path: Path, entry_id: str, value: Any, field_name: str, kinds: Mapping[str, str]) -> tuple[Line, ...]:
    """Lines like [bladder, trouble], or {all: [bowel, trouble], unless: [constipation]}."""
    if not isinstance(value, list):
        raise DataFileError(path, f"'{field_name}' must be a list of lines like [bladder, trouble]", entry_id)
    lines = []
    for line in value:
        unless: tuple[str, ...] = ()
        within = None
        if isinstance(line, Mapping):
            _check_known_keys(path, entry_id, line, ("all", "unless", "within"))
            unless = _list_names(path, entry_id, line.get("unless") or [], "unless", kinds)
            within = _within(path, entry_id, line) if "within" in line else None
            line = line.get("all")
        if not isinstance(line, list) or not line:
            raise DataFileError(path, f"each line of '{field_name}' must be a non-empty list, got {line!r}", entry_id)
        names = _list_names(path, entry_id, line, field_name, kinds)
        if len(set(names)) != len(names):
            raise DataFileError(path, f"a line of '{field_name}' names a list twice: {line!r}", entry_id)
        lines.append(Line(lists=names, unless=unless, within=within))
    return tuple(lines)


def _list_names(path: Path, entry_id: str, value: Any, field_name: str, kinds: Mapping[str, str]) -> tuple[str, ...]:
    names = _string_list(path, entry_id, value, field_name)
    for name in names:
        if name not in kinds:
            raise DataFileError(path, f"'{field_name}' names unknown word list '{name}'", entry_id)
    return tuple(names)


def _check_known_keys(path: Path, entry_id: str, entry: Mapping, allowed: tuple) -> None:
    unknown = sorted(str(key) for key in set(entry) - set(allowed))
    if unknown:
        raise DataFileError(path, f"unknown field(s): {', '.join(unknown)} (expected {', '.join(allowed)})", entry_id)


def _string_list(path: Path, entry_id: str, value: Any, field_name: str, non_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or (non_empty and not value):
        raise DataFileError(path, f"'{field_name}' must be a {'non-empty ' if non_empty else ''}list of strings", entry_id)
    for item in value:
        if not isinstance(item, str) or not item:
            # YAML reads a bare no/on/off as a boolean.
            raise DataFileError(path, f"'{field_name}' must hold strings, got {item!r} (quote it)", entry_id)
    return value


def _load_settings(path: Path, value: Any) -> dict[str, Any]:
    settings = require_mapping(path, value, "settings")
    _check_known_keys(path, "settings", settings, SETTINGS_FIELDS)
    if not isinstance(settings.get("window"), int) or settings["window"] < 1:
        raise DataFileError(path, "'window' must be a positive integer", "settings")
    for key in ("sentence_ends", "list_joiners", "list_fillers", "scope_passes"):
        _string_list(path, "settings", settings.get(key), key, non_empty=True)
    return {key: settings[key] for key in SETTINGS_FIELDS}


def _load_context(path: Path, value: Any, book: RedFlagBook) -> tuple[ContextRule, ...]:
    if not isinstance(value, list) or not value:
        raise DataFileError(path, "'context' must be a non-empty list of records", "context")
    return tuple(_context_rule(path, f"context[{index}]", record, book) for index, record in enumerate(value))


def _context_rule(path: Path, where: str, record: Any, book: RedFlagBook) -> ContextRule:
    record = require_mapping(path, record, where)
    _check_known_keys(path, where, record, CONTEXT_KEYS)
    cue = record.get("cue")
    cues = [cue] if isinstance(cue, str) else cue
    _string_list(path, where, cues, "cue", non_empty=True)
    category = record.get("category")
    if category not in CATEGORIES:
        raise DataFileError(path, f"category must be one of {', '.join(CATEGORIES)}, got {category!r}", where)
    direction, max_scope = record.get("direction"), record.get("max_scope")
    if category in SCOPED_CATEGORIES:
        if direction not in DIRECTIONS:
            raise DataFileError(path, f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}", where)
        if not isinstance(max_scope, int) or max_scope < 1:
            raise DataFileError(path, "max_scope must be a positive integer", where)
    elif direction is not None or max_scope is not None or "allowed_flags" in record or "excluded_flags" in record:
        raise DataFileError(path, f"a {category} cue has no direction, scope or flags", where)
    if "allowed_flags" in record and "excluded_flags" in record:
        raise DataFileError(path, "give allowed_flags or excluded_flags, not both", where)
    filters = {}
    for key in ("allowed_flags", "excluded_flags"):
        if key in record:
            ids = _string_list(path, where, record[key], key, non_empty=True)
            unknown = [item for item in ids if not book.known(item)]
            if unknown:
                raise DataFileError(path, f"{key} names unknown flag or marker '{unknown[0]}'", where)
            filters[key] = frozenset(ids)
    return ContextRule(cues=tuple(cues), category=category, direction=direction, max_scope=max_scope, **filters)


def _load_escalations(path: Path, value: Any, book: RedFlagBook) -> tuple[Escalation, ...]:
    if not isinstance(value, list):
        raise DataFileError(path, "'escalations' must be a list", "escalations")
    for entry in value:
        require_mapping(path, entry, "escalations")
        require_fields(path, str(entry.get("id", "?")), entry, ("id", "when_all"))
    require_unique_ids(path, value)
    rules = []
    for entry in value:
        rule_id = entry["id"]
        _check_known_keys(path, rule_id, entry, ("id", "when_all", "when_any", "add", "raise_to", "source"))
        if not entry.get("add") and not entry.get("raise_to"):
            raise DataFileError(path, "an escalation needs 'add' or 'raise_to'", rule_id)
        if entry.get("raise_to") is not None and entry["raise_to"] not in LEVELS:
            raise DataFileError(path, f"unknown level '{entry['raise_to']}'", rule_id)
        if entry.get("add") is not None and entry["add"] not in book.flags:
            raise DataFileError(path, f"'add' names unknown flag '{entry['add']}'", rule_id)
        for item in [*entry["when_all"], *(entry.get("when_any") or [])]:
            if not book.known(item):
                raise DataFileError(path, f"unknown flag or marker '{item}'", rule_id)
        rules.append(
            Escalation(
                id=rule_id,
                when_all=tuple(_string_list(path, rule_id, entry["when_all"], "when_all")),
                when_any=tuple(_string_list(path, rule_id, entry.get("when_any") or [], "when_any")),
                add=entry.get("add"),
                raise_to=entry.get("raise_to"),
                source=str(entry.get("source", "")),
            )
        )
    return tuple(rules)


def _check_references(path: Path, book: RedFlagBook) -> None:
    overlap = sorted(set(book.flags) & set(book.markers))
    if overlap:
        raise DataFileError(path, "id used for both a flag and a marker", overlap[0])
    entries = (*book.flags.values(), *book.markers.values())
    lines = [line for entry in entries for line in (*entry.found_when, *entry.hint_when)]
    used = {name for line in lines for name in (*line.lists, *line.unless)}
    used |= {name for entry in entries for name in (*entry.unless, *entry.ask_when, *entry.ask_when_about)}
    for flag in book.flags.values():
        for other in flag.yields_to:
            if other not in book.flags:
                raise DataFileError(path, f"yields_to names unknown flag '{other}'", flag.id)
    referenced = {ref for entries in book.words.values() for text in entries for ref in _references(text)}
    # Areas need no flag: a change word next to one is about it.
    unused = sorted(set(book.words) - used - referenced - {name for name, kind in book.kinds.items() if kind == "area"})
    if unused:
        raise DataFileError(path, f"word list '{unused[0]}' is used by no flag, marker or other list", unused[0])


def _references(text: str) -> Iterable[str]:
    for item in text.split():
        for word in item.rstrip("?").split("|"):
            if word.startswith("$"):
                yield word[1:]
