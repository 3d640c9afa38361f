"""The exercise and self-care catalog (data/catalog/exercises.yml), checked at load.

A broken catalog must stop the bot at start: an entry with a missing field, an unknown kind,
target, position or source, empty steps, or an id or alias used twice raises DataFileError
naming the file and the entry.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping, Sequence

from . import DATA_DIR
from .datafiles import DataFileError, load_yaml, require_fields, require_mapping, require_unique_ids

DEFAULT_CATALOG_PATH = DATA_DIR / "catalog" / "exercises.yml"

KINDS = ("stretch", "strengthen", "release", "self-care", "activity")
POSITIONS = (
    "lying_on_back",
    "lying_on_stomach",
    "lying_on_side",
    "face_down",
    "all_fours",
    "standing",
    "seated",
    "any",
)
PLACES = ("floor", "bed", "chair", "desk", "standing", "anywhere")
# The source of a caution that is general safety advice, not the article's (safety_advice.source).
GENERAL_ADVICE = "general"
DOSAGE_FIELDS = ("hold", "reps", "frequency", "sides")
ADVICE_TOPICS = DOSAGE_FIELDS
SAFETY_FIELDS = (
    "go_gently",
    "stop_if_worse",
    "pain_spreads",
    "not_improving",
    "keep_moving",
    "no_heat_on_numb_skin",
)

_REQUIRED_ENTRY_FIELDS = ("id", "name", "kind", "position", "steps", "why", "cautions", "sources")
# Present in every entry, but allowed to be empty (an activity has no target, most need no equipment).
_LIST_FIELDS = ("aliases", "targets", "equipment", "suitable_for")
_TOP_LEVEL_FIELDS = (
    "sources",
    "areas",
    "area_words",
    "goal_words",
    "place_words",
    "other_body_parts",
    "safety_advice",
    "best_for_sciatica",
    "exercises",
)


def normalise_phrase(text: str) -> str:
    """Lower-case, hyphens and punctuation as spaces: the form in which phrases are compared."""
    text = text.lower().replace("’", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Dosage:
    """Numbers in the source's own wording; None where no source gives one."""

    hold: str | None
    reps: str | None
    frequency: str | None
    sides: str | None


@dataclass(frozen=True)
class Variants:
    easier: str | None
    harder: str | None


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    targets: tuple[str, ...]
    position: str
    steps: tuple[str, ...]
    dosage: Dosage
    one_sided: bool
    why: str
    cautions: tuple[str, ...]
    variants: Variants
    equipment: tuple[str, ...]
    suitable_for: tuple[str, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    disagreement: str | None = None
    # Where each caution comes from, in the order of `cautions`: a source file, or
    # GENERAL_ADVICE (the NHS-style safety advice, shown as general advice).
    caution_sources: tuple[str, ...] = ()
    # What the entry's source leaves out, said with the answer (e.g. steps it only names).
    source_gaps: tuple[str, ...] = ()

    def caution_source(self, index: int = 0) -> str:
        return self.caution_sources[index] if index < len(self.caution_sources) else GENERAL_ADVICE

    @property
    def phrases(self) -> tuple[str, ...]:
        """The name followed by every alias: all the ways to ask for this entry."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class SourceDocument:
    file: str
    title: str
    label: str
    # The document's own advice to see a professional, in its words (None if it gives none).
    see_a_professional: str | None = None


@dataclass(frozen=True)
class GeneralAdvice:
    """Advice a source gives for a group of exercises, quoted as general advice."""

    id: str
    topic: str
    text: str
    source: str
    for_sources: tuple[str, ...] = ()
    for_kinds: tuple[str, ...] = ()

    def applies_to(self, exercise: Exercise) -> bool:
        if self.for_sources and not set(self.for_sources) & set(exercise.sources):
            return False
        return not self.for_kinds or exercise.kind in self.for_kinds


@dataclass(frozen=True)
class SafetyAdvice:
    source: str
    go_gently: str
    stop_if_worse: str
    pain_spreads: str
    not_improving: str
    keep_moving: str
    no_heat_on_numb_skin: str


@dataclass(frozen=True)
class BestForSciatica:
    exercise_id: str
    source: str
    wording: str


@dataclass(frozen=True, eq=False)
class Catalog:
    path: Path
    entries: tuple[Exercise, ...]
    area_descriptions: Mapping[str, str]
    area_words: Mapping[str, tuple[str, ...]]
    goal_words: Mapping[str, tuple[str, ...]]
    place_words: Mapping[str, tuple[str, ...]]
    other_body_parts: tuple[str, ...]
    sources: Mapping[str, SourceDocument]
    safety: SafetyAdvice
    general_advice: tuple[GeneralAdvice, ...]
    best_claim: BestForSciatica
    _by_id: Mapping[str, Exercise] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in self.entries}))

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise KeyError(f"no catalog entry with id '{exercise_id}'") from None

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def areas(self) -> tuple[str, ...]:
        """The known targets, in file order."""
        return tuple(self.area_descriptions)

    @property
    def best_for_sciatica(self) -> Exercise:
        return self.get(self.best_claim.exercise_id)

    def source_label(self, file: str) -> str:
        return self.sources[file].label

    def general_advice_for(self, exercise: Exercise, topic: str) -> tuple[GeneralAdvice, ...]:
        return tuple(a for a in self.general_advice if a.topic == topic and a.applies_to(exercise))


def load_catalog(path: Path | str = DEFAULT_CATALOG_PATH) -> Catalog:
    path = Path(path)
    data = require_mapping(path, load_yaml(path))
    for key in _TOP_LEVEL_FIELDS:
        if key not in data:
            raise DataFileError(path, f"missing top-level section '{key}'")
    sources = _parse_sources(path, data["sources"])
    areas = _parse_areas(path, data["areas"])
    raw_entries = data["exercises"]
    if not isinstance(raw_entries, list) or not raw_entries:
        raise DataFileError(path, "'exercises' must be a non-empty list")
    entries = tuple(_parse_exercise(path, raw, areas, sources) for raw in raw_entries)
    require_unique_ids(path, raw_entries)
    _require_unique_phrases(path, entries)
    catalog = Catalog(
        path=path,
        entries=entries,
        area_descriptions=MappingProxyType(areas),
        area_words=_parse_word_table(path, "area_words", data["area_words"], tuple(areas)),
        goal_words=_parse_word_table(path, "goal_words", data["goal_words"], KINDS),
        place_words=_parse_word_table(path, "place_words", data["place_words"], PLACES),
        other_body_parts=_parse_other_body_parts(path, data["other_body_parts"]),
        sources=MappingProxyType(sources),
        safety=_parse_safety(path, data["safety_advice"]),
        general_advice=_parse_general_advice(path, data.get("general_advice") or [], sources),
        best_claim=_parse_best(path, data["best_for_sciatica"], sources),
    )
    if catalog.best_claim.exercise_id not in catalog:
        raise DataFileError(path, "best_for_sciatica names an unknown entry", catalog.best_claim.exercise_id)
    _require_disjoint_words(path, catalog)
    return catalog


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG_PATH)


def _parse_sources(path: Path, raw: Any) -> dict[str, SourceDocument]:
    sources: dict[str, SourceDocument] = {}
    for file, info in require_mapping(path, raw, "sources").items():
        info = require_mapping(path, info, str(file))
        require_fields(path, str(file), info, ("title", "label"))
        unknown = set(info) - {"title", "label", "see_a_professional"}
        if unknown:
            raise DataFileError(path, f"unknown fields: {', '.join(sorted(unknown))}", str(file))
        advice = info.get("see_a_professional")
        if advice is not None and (not isinstance(advice, str) or not advice.strip()):
            raise DataFileError(path, "'see_a_professional' must be a non-empty text or absent", str(file))
        sources[str(file)] = SourceDocument(str(file), str(info["title"]), str(info["label"]),
                                            " ".join(advice.split()) if advice else None)
    if not sources:
        raise DataFileError(path, "'sources' is empty")
    return sources


def _parse_areas(path: Path, raw: Any) -> dict[str, str]:
    areas = {str(name): str(text) for name, text in require_mapping(path, raw, "areas").items()}
    for name in areas:
        if not re.fullmatch(r"[a-z][a-z_]*", name):
            raise DataFileError(path, "area names must be snake_case", name)
    return areas


def _parse_exercise(
    path: Path, raw: Any, areas: Mapping[str, str], sources: Mapping[str, SourceDocument]
) -> Exercise:
    raw = require_mapping(path, raw, "exercises")
    entry_id = str(raw.get("id") or "<entry without id>")
    require_fields(path, entry_id, raw, _REQUIRED_ENTRY_FIELDS)
    for key in (*_LIST_FIELDS, "dosage", "one_sided", "variants"):
        if key not in raw:
            raise DataFileError(path, f"missing field '{key}'", entry_id)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", entry_id):
        raise DataFileError(path, "id must be snake_case", entry_id)
    _require_choice(path, entry_id, "kind", raw["kind"], KINDS)
    _require_choice(path, entry_id, "position", raw["position"], POSITIONS)
    targets = _string_list(path, entry_id, raw, "targets")
    for target in targets:
        _require_choice(path, entry_id, "target", target, tuple(areas))
    for place in _string_list(path, entry_id, raw, "suitable_for"):
        _require_choice(path, entry_id, "suitable_for", place, PLACES)
    for source in _string_list(path, entry_id, raw, "sources"):
        _require_choice(path, entry_id, "source file", source, tuple(sources))
    cautions, caution_sources = _parse_cautions(path, entry_id, raw.get("cautions"), sources)
    gaps = _string_list(path, entry_id, raw, "source_gaps") if raw.get("source_gaps") is not None else ()
    if not isinstance(raw["one_sided"], bool):
        raise DataFileError(path, "'one_sided' must be true or false", entry_id)
    disagreement = raw.get("disagreement")
    if disagreement is not None and (not isinstance(disagreement, str) or not disagreement.strip()):
        raise DataFileError(path, "'disagreement' must be a non-empty text or absent", entry_id)
    return Exercise(
        id=entry_id,
        name=str(raw["name"]),
        aliases=_string_list(path, entry_id, raw, "aliases"),
        kind=raw["kind"],
        targets=targets,
        position=raw["position"],
        steps=_string_list(path, entry_id, raw, "steps"),
        dosage=Dosage(**_optional_texts(path, entry_id, raw, "dosage", DOSAGE_FIELDS)),
        one_sided=raw["one_sided"],
        why=str(raw["why"]),
        cautions=cautions,
        caution_sources=caution_sources,
        source_gaps=gaps,
        variants=Variants(**_optional_texts(path, entry_id, raw, "variants", ("easier", "harder"))),
        equipment=_string_list(path, entry_id, raw, "equipment"),
        suitable_for=_string_list(path, entry_id, raw, "suitable_for"),
        sources=_string_list(path, entry_id, raw, "sources"),
        notes=_string_list(path, entry_id, raw, "notes") if raw.get("notes") is not None else (),
        disagreement=disagreement.strip() if disagreement else None,
    )


def _parse_cautions(
    path: Path, entry_id: str, raw: Any, sources: Mapping[str, SourceDocument]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each caution is a text and where it comes from: a source file, or `general`."""
    if not isinstance(raw, list) or not raw:
        raise DataFileError(path, "'cautions' must be a non-empty list", entry_id)
    texts, origins = [], []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) != {"text", "source"}:
            raise DataFileError(path, "each caution needs exactly a 'text' and a 'source' "
                                f"(a source file or '{GENERAL_ADVICE}'), got {item!r}", entry_id)
        text, source = item["text"], item["source"]
        if not isinstance(text, str) or not text.strip():
            raise DataFileError(path, "a caution has an empty text", entry_id)
        _require_choice(path, entry_id, "caution source", source, (GENERAL_ADVICE, *sources))
        texts.append(" ".join(text.split()))
        origins.append(source)
    return tuple(texts), tuple(origins)


def _require_choice(path: Path, entry_id: str, what: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise DataFileError(path, f"unknown {what} '{value}' (known: {', '.join(allowed)})", entry_id)


def _string_list(path: Path, entry_id: str, raw: Mapping, key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise DataFileError(path, f"'{key}' must be a list", entry_id)
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise DataFileError(path, f"'{key}' holds an empty or non-text item: {item!r}", entry_id)
    return tuple(item.strip() for item in value)


def _optional_texts(
    path: Path, entry_id: str, raw: Mapping, key: str, fields: Sequence[str]
) -> dict[str, str | None]:
    """A mapping whose listed fields must all be present, each a text or null."""
    section = require_mapping(path, raw[key], entry_id)
    values: dict[str, str | None] = {}
    for name in fields:
        if name not in section:
            raise DataFileError(path, f"'{key}' is missing '{name}' (use null when no source gives it)", entry_id)
        value = section[name]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise DataFileError(path, f"'{key}.{name}' must be a text or null", entry_id)
        values[name] = value.strip() if value else None
    unknown = set(section) - set(fields)
    if unknown:
        raise DataFileError(path, f"'{key}' has unknown fields: {', '.join(sorted(unknown))}", entry_id)
    return values


def _require_unique_phrases(path: Path, entries: Sequence[Exercise]) -> None:
    """A name or alias may lead to one entry only."""
    owner: dict[str, str] = {}
    for entry in entries:
        for phrase in entry.phrases:
            key = normalise_phrase(phrase)
            if not key:
                raise DataFileError(path, f"alias '{phrase}' has no words", entry.id)
            if owner.setdefault(key, entry.id) != entry.id:
                raise DataFileError(path, f"alias '{phrase}' is also used by '{owner[key]}'", entry.id)


def _parse_word_table(
    path: Path, section: str, raw: Any, allowed_keys: Sequence[str]
) -> Mapping[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for key, words in require_mapping(path, raw, section).items():
        _require_choice(path, f"{section}.{key}", section[:-6], key, allowed_keys)
        table[key] = _string_list(path, f"{section}.{key}", {"words": words}, "words")
    owner: dict[str, str] = {}
    for key, words in table.items():
        for word in words:
            if owner.setdefault(normalise_phrase(word), key) != key:
                raise DataFileError(path, f"'{word}' is listed under both '{owner[normalise_phrase(word)]}' and '{key}'", section)
    return MappingProxyType(table)


def _parse_other_body_parts(path: Path, raw: Any) -> tuple[str, ...]:
    return _string_list(path, "other_body_parts", {"words": raw}, "words")


def _parse_safety(path: Path, raw: Any) -> SafetyAdvice:
    raw = require_mapping(path, raw, "safety_advice")
    require_fields(path, "safety_advice", raw, ("source", *SAFETY_FIELDS))
    return SafetyAdvice(**{name: str(raw[name]) for name in ("source", *SAFETY_FIELDS)})


def _parse_general_advice(
    path: Path, raw: Any, sources: Mapping[str, SourceDocument]
) -> tuple[GeneralAdvice, ...]:
    if not isinstance(raw, list):
        raise DataFileError(path, "'general_advice' must be a list")
    advice = []
    for item in raw:
        item = require_mapping(path, item, "general_advice")
        advice_id = str(item.get("id") or "<general advice without id>")
        require_fields(path, advice_id, item, ("id", "topic", "text", "source"))
        _require_choice(path, advice_id, "topic", item["topic"], ADVICE_TOPICS)
        _require_choice(path, advice_id, "source file", item["source"], tuple(sources))
        scope = require_mapping(path, item.get("applies_to") or {}, advice_id)
        for_sources = _string_list(path, advice_id, scope, "sources") if "sources" in scope else ()
        for_kinds = _string_list(path, advice_id, scope, "kinds") if "kinds" in scope else ()
        for source in for_sources:
            _require_choice(path, advice_id, "source file", source, tuple(sources))
        for kind in for_kinds:
            _require_choice(path, advice_id, "kind", kind, KINDS)
        advice.append(GeneralAdvice(advice_id, item["topic"], str(item["text"]), item["source"], for_sources, for_kinds))
    require_unique_ids(path, raw)
    return tuple(advice)


def _parse_best(path: Path, raw: Any, sources: Mapping[str, SourceDocument]) -> BestForSciatica:
    raw = require_mapping(path, raw, "best_for_sciatica")
    require_fields(path, "best_for_sciatica", raw, ("id", "source", "wording"))
    _require_choice(path, "best_for_sciatica", "source file", raw["source"], tuple(sources))
    return BestForSciatica(str(raw["id"]), raw["source"], str(raw["wording"]))


def _require_disjoint_words(path: Path, catalog: Catalog) -> None:
    """An everyday area word must not also name a body part the catalog has nothing for."""
    area_keys = {normalise_phrase(w) for words in catalog.area_words.values() for w in words}
    for part in catalog.other_body_parts:
        if normalise_phrase(part) in area_keys:
            raise DataFileError(path, f"'{part}' is both an area word and an other body part", "other_body_parts")
