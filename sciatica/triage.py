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

# Span groups written by the red-flag detector (sciatica/nlp/red_flags.py).
SPANS_KEY = "red_flags"
MARKERS_SPANS_KEY = "red_flag_markers"
NEGATED_SPANS_KEY = "red_flags_negated"

FLAG_FIELDS = ("id", "condition", "level", "source", "patterns")
MARKER_FIELDS = ("id", "description", "patterns")
SCOPE_LISTS = ("gap_stops", "clause_breaks", "joiners", "clause_starters", "negation_pass")
SCOPE_NUMBERS = ("window", "negation_window", "post_negation_window")
NEGATION_KINDS = ("before", "after", "pseudo", "cancel")
HISTORY_KINDS = ("cues", "distant", "pseudo")
HISTORY_SETTINGS = ("apply", "ignore", "distant")


@dataclass(frozen=True)
class RedFlag:
    id: str
    condition: str
    level: str
    source: str
    patterns: tuple = ()
    exclude: tuple = ()
    yields_to: tuple[str, ...] = ()
    history: str = "apply"
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Marker:
    """A finding that is no red flag alone but raises the level with others."""

    id: str
    description: str
    source: str = ""
    patterns: tuple = ()
    exclude: tuple = ()
    history: str = "apply"


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
    vocab: Mapping[str, tuple] = field(default_factory=dict)
    scope: Mapping[str, Any] = field(default_factory=dict)
    negation_cues: Mapping[str, tuple] = field(default_factory=dict)
    history_cues: Mapping[str, tuple] = field(default_factory=dict)
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
    keep it across turns and pass the union to `assess_ids`.
    """

    flags: tuple[str, ...]
    level: str | None
    negated: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()


def highest_level(levels: Iterable[str | None]) -> str | None:
    ranked = [LEVELS.index(level) for level in levels if level is not None]
    return LEVELS[min(ranked)] if ranked else None


def assess(doc: Doc, book: RedFlagBook) -> Assessment:
    """The assessment of a message processed by the red-flag detector."""
    found = {span.label_ for key in (SPANS_KEY, MARKERS_SPANS_KEY) for span in doc.spans.get(key, [])}
    negated = {span.label_ for span in doc.spans.get(NEGATED_SPANS_KEY, [])} - found
    assessment = assess_ids(found, book)
    return Assessment(
        flags=assessment.flags,
        level=assessment.level,
        negated=tuple(sorted(negated)),
        evidence=assessment.evidence,
        escalations=assessment.escalations,
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


# ---------------------------------------------------------------------------- loading


def load_red_flags(path: Path | str = DEFAULT_RED_FLAGS_PATH, *, check_patterns: bool = True) -> RedFlagBook:
    """Load and check the red-flag book; every pattern is tried on spaCy's Matcher."""
    path = Path(path)
    data = require_mapping(path, load_yaml(path))
    vocab = _load_vocab(path, data.get("vocab") or {})
    book = RedFlagBook(
        flags=_load_entries(path, data, "flags", FLAG_FIELDS, _load_flag),
        markers=_load_entries(path, data, "markers", MARKER_FIELDS, _load_marker, required=False),
        escalations=(),
        vocab=vocab,
        scope=_load_scope(path, data.get("scope")),
        negation_cues=_load_cue_lists(path, data.get("negation_cues"), "negation_cues", NEGATION_KINDS),
        history_cues=_load_cue_lists(path, data.get("history_cues"), "history_cues", HISTORY_KINDS),
        path=path,
    )
    book = replace(book, escalations=_load_escalations(path, data.get("escalations") or [], book))
    _check_references(path, book)
    if check_patterns:
        # Imported here: the compiler lives with the spaCy component that uses it.
        from sciatica.nlp.red_flags import check_book_patterns

        check_book_patterns(book)
    return book


def _load_entries(path: Path, data: Mapping, key: str, fields: tuple, loader, required: bool = True) -> dict:
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
    return {entry["id"]: loader(path, entry) for entry in entries}


def _load_flag(path: Path, entry: Mapping) -> RedFlag:
    flag_id = entry["id"]
    if entry["level"] not in LEVELS:
        raise DataFileError(path, f"unknown level '{entry['level']}' (expected one of {', '.join(LEVELS)})", flag_id)
    _check_known_keys(path, flag_id, entry, FLAG_FIELDS + ("exclude", "yields_to", "history", "examples"))
    return RedFlag(
        id=flag_id,
        condition=str(entry["condition"]),
        level=entry["level"],
        source=str(entry["source"]),
        patterns=_pattern_list(path, flag_id, entry["patterns"], "patterns"),
        exclude=_pattern_list(path, flag_id, entry.get("exclude") or [], "exclude"),
        yields_to=tuple(_string_list(path, flag_id, entry.get("yields_to") or [], "yields_to")),
        history=_history_setting(path, flag_id, entry),
        examples=tuple(_string_list(path, flag_id, entry.get("examples") or [], "examples")),
    )


def _load_marker(path: Path, entry: Mapping) -> Marker:
    marker_id = entry["id"]
    _check_known_keys(path, marker_id, entry, MARKER_FIELDS + ("exclude", "history", "source"))
    return Marker(
        id=marker_id,
        description=str(entry["description"]),
        source=str(entry.get("source", "")),
        patterns=_pattern_list(path, marker_id, entry["patterns"], "patterns"),
        exclude=_pattern_list(path, marker_id, entry.get("exclude") or [], "exclude"),
        history=_history_setting(path, marker_id, entry),
    )


def _history_setting(path: Path, entry_id: str, entry: Mapping) -> str:
    """apply: "used to", "years ago" make a hit history; ignore: history is the point; distant: only "years ago"."""
    setting = entry.get("history", "apply")
    if setting not in HISTORY_SETTINGS:
        raise DataFileError(path, f"history must be one of {', '.join(HISTORY_SETTINGS)}", entry_id)
    return setting


def _check_known_keys(path: Path, entry_id: str, entry: Mapping, allowed: tuple) -> None:
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise DataFileError(path, f"unknown field(s): {', '.join(unknown)}", entry_id)


def _pattern_list(path: Path, entry_id: str, value: Any, field_name: str) -> tuple:
    if not isinstance(value, list):
        raise DataFileError(path, f"'{field_name}' must be a list", entry_id)
    for spec in value:
        if isinstance(spec, str) and spec.strip():
            continue
        if isinstance(spec, list) and spec and all(isinstance(token, dict) for token in spec):
            continue
        if isinstance(spec, dict) and set(spec) <= {"near", "window"} and _is_pair(spec.get("near")):
            if not isinstance(spec.get("window", 5), int) or spec.get("window", 5) < 0:
                raise DataFileError(path, f"bad window in {field_name}: {spec!r}", entry_id)
            continue
        raise DataFileError(path, f"not a pattern in {field_name}: {spec!r}", entry_id)
    return tuple(value)


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) and part.strip() for part in value)


def _string_list(path: Path, entry_id: str, value: Any, field_name: str) -> list[str]:
    if not isinstance(value, list):
        raise DataFileError(path, f"'{field_name}' must be a list of strings", entry_id)
    for item in value:
        if not isinstance(item, str) or not item:
            # YAML reads a bare no/on/off as a boolean.
            raise DataFileError(path, f"'{field_name}' must hold strings, got {item!r} (quote it)", entry_id)
    return value


def _load_vocab(path: Path, value: Any) -> dict[str, tuple]:
    vocab = require_mapping(path, value, "vocab")
    for name, entries in vocab.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise DataFileError(path, f"vocab name must be a snake_case name, got {name!r}", "vocab")
        _pattern_list(path, f"vocab.{name}", entries, "vocab")
        if not entries or any(isinstance(item, dict) for item in entries):
            raise DataFileError(path, "vocab entries must be phrases or raw token patterns", f"vocab.{name}")
    return {name: tuple(entries) for name, entries in vocab.items()}


def _load_scope(path: Path, value: Any) -> dict[str, Any]:
    scope = require_mapping(path, value, "scope")
    for key in SCOPE_NUMBERS:
        if not isinstance(scope.get(key), int) or scope[key] < 0:
            raise DataFileError(path, f"'{key}' must be a non-negative integer", "scope")
    for key in SCOPE_LISTS:
        _string_list(path, "scope", scope.get(key), key)
    return {key: scope[key] for key in SCOPE_NUMBERS + SCOPE_LISTS}


def _load_cue_lists(path: Path, value: Any, name: str, kinds: tuple) -> dict[str, tuple]:
    cues = require_mapping(path, value, name)
    unknown = sorted(set(cues) - set(kinds))
    if unknown:
        raise DataFileError(path, f"unknown cue list(s): {', '.join(unknown)}", name)
    return {kind: _pattern_list(path, f"{name}.{kind}", cues.get(kind) or [], kind) for kind in kinds}


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
    for flag in book.flags.values():
        for other in flag.yields_to:
            if other not in book.flags:
                raise DataFileError(path, f"yields_to names unknown flag '{other}'", flag.id)
