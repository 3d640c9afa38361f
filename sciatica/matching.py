"""Finding catalog entries from what people type: names, everyday body words, goals, places.

Plain Python and deterministic. A text is read once into phrases claimed greedily, longest
first (so "back of my thigh" is the hamstrings, not the lower back, and "knee to chest" is
an exercise, not a knee). Entries are then scored on what was read and ranked, best first,
ties broken by catalog order. A request about a body part the catalog has nothing for gets
no results rather than a made-up exercise.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable, Mapping, Sequence

from . import PROJECT_ROOT
from .catalog import Catalog, Exercise, normalise_phrase
from .datafiles import DataFileError, load_yaml, require_fields, require_mapping

DEFAULT_QUERIES_PATH = PROJECT_ROOT / "tests" / "data" / "catalog_queries.yml"

# Words that carry no meaning for matching; dropped before anything else.
STOPWORDS = frozenset(
    """a an the i im ive id me my mine myself to of for in on at with and or but do does did doing
    done can cant could should would will shall is are am be been being it its that this these those
    what whats which who how when where why some any please you your there theres get got have has
    had having up down one ones like just really very so if about from into out by as we our us too
    also then than them they their he she his her give show tell know want wanted good ok okay great
    nice little bit lot more no yes hi hello hey thanks thank try way ways kind sort""".split()
)
# A general request for help; with no name or area named, the best-for-sciatica entry leads.
GENERAL_WORDS = frozenset(
    "exercise workout routine best help relief relieve recommend suggest something anything pain "
    "ache treatment treat home leg gentle".split()
)
SCIATICA_WORDS = frozenset({"sciatica", "sciatic"})
SCIATICA_AREA = "sciatic_nerve"
# One spelling for words people use interchangeably ("figure 4 sitting" = "seated figure 4").
SYNONYMS = {"four": "4", "ten": "10", "thirty": "30", "sitting": "seated", "sat": "seated", "laying": "lying"}
# Ordinary words that look like a catalog word to difflib ("around" ~ "ground").
_NOT_TYPOS = frozenset("around after before again other another where while night right light might sight".split())
_TYPO_CUTOFF = 0.85
_TYPO_MIN_LENGTH = 5

NAME_SCORE = 10.0
NAME_TOKEN_SCORE = 1.0
DESCRIPTIVE_NAME_BONUS = 1.0
AREA_WEIGHTS = (3.0, 2.5, 2.0)
GOAL_SCORE = 2.0
PLACE_SCORE = 1.5
BEST_BONUS = 4.0
GENERAL_BASE = 0.1

_NAME, _OTHER_PART, _AREA, _GOAL, _PLACE = "name", "other_part", "area", "goal", "place"
_CATEGORY_PRIORITY = {_NAME: 0, _OTHER_PART: 1, _AREA: 2, _GOAL: 3, _PLACE: 4}

KIND_LABELS = {
    "stretch": "a stretch",
    "strengthen": "a strengthening exercise",
    "release": "a release technique",
    "self-care": "a self-care technique",
    "activity": "advice on everyday activity",
}
PLACE_LABELS = {
    "floor": "on the floor",
    "bed": "in bed",
    "chair": "on a chair",
    "desk": "at a desk",
    "standing": "standing up",
    "anywhere": "anywhere",
}


def stem(token: str) -> str:
    """A tiny plural stripper: enough for "clamshells", "hammies", "stretches", "glutes"."""
    if len(token) <= 3 or token.isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def content_tokens(text: str) -> list[str]:
    """The meaningful, stemmed words of `text`, in order."""
    tokens = [t for t in normalise_phrase(text).split() if t not in STOPWORDS]
    return [SYNONYMS.get(stem(t), stem(t)) for t in tokens]


@dataclass(frozen=True)
class Match:
    exercise: Exercise
    score: float
    reason: str


@dataclass(frozen=True)
class _Phrase:
    tokens: tuple[str, ...]
    category: str
    value: str
    text: str
    order: int
    descriptive: bool = False


@dataclass(frozen=True)
class _Reading:
    """What a text asks for."""

    names: Mapping[str, _Phrase]
    descriptive: Mapping[str, _Phrase]  # said as a phrase, in order
    described: Mapping[str, _Phrase]  # all its words said, in any order
    areas: tuple[str, ...]
    goals: tuple[str, ...]
    places: tuple[str, ...]
    other_parts: tuple[str, ...]
    general: bool
    sciatica: bool


class ExerciseMatcher:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._order = {entry.id: index for index, entry in enumerate(catalog)}
        word_phrases = self._word_phrases()
        single_words = {p.tokens[0] for p in word_phrases if len(p.tokens) == 1 and p.category != _OTHER_PART}
        name_phrases = self._name_phrases(single_words | GENERAL_WORDS)
        self._phrases = sorted(
            (p for p in (*name_phrases, *word_phrases) if not p.descriptive),
            key=lambda p: (-len(p.tokens), _CATEGORY_PRIORITY[p.category], p.order),
        )
        self._descriptive = [p for p in name_phrases if p.descriptive]
        vocabulary = {t for p in (*name_phrases, *word_phrases) for t in p.tokens} | GENERAL_WORDS | SCIATICA_WORDS
        self._vocabulary = frozenset(vocabulary)
        self._typo_targets = sorted(t for t in vocabulary if len(t) >= _TYPO_MIN_LENGTH and not t.isdigit())

    # -- public API ---------------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        areas: Sequence[str] = (),
        goal: str | None = None,
        exclude: Collection[str] = (),
    ) -> list[Match]:
        """Entries for `text`, best first. `areas` and `goal` are hints (e.g. from NLU entities)."""
        reading = self._read(text)
        wanted_areas = _unique([*reading.areas, *filter(None, map(self.normalise_area, areas))])
        goals = set(reading.goals) | ({self.normalise_goal(goal)} - {None} if goal else set())
        named = bool(reading.names or reading.descriptive)
        # "Sciatic nerve pain" is sciatica itself, not a part of the body to aim an exercise at.
        specific_areas = [a for a in wanted_areas if a != SCIATICA_AREA]
        if reading.other_parts and not (named or specific_areas or reading.sciatica):
            return []  # "neck stretch": the catalog has nothing, so nothing is offered
        asks_for_sciatica = reading.general or reading.sciatica or SCIATICA_AREA in wanted_areas
        general = asks_for_sciatica and not (named or specific_areas)
        if not (named or wanted_areas or goals or reading.places or general):
            return []
        matches = []
        for entry in self.catalog:
            if entry.id not in exclude:
                score, reasons = self._score(entry, reading, wanted_areas, goals, general)
                if score > 0:
                    matches.append(Match(entry, round(score, 3), "; ".join(reasons)))
        return sorted(matches, key=lambda m: (-m.score, self._order[m.exercise.id]))

    def find_by_name(self, text: str) -> Exercise | None:
        """The one entry `text` names, or None when no entry, or more than one, is named."""
        reading = self._read(text)
        if reading.names:
            if len(reading.names) > 1 or reading.descriptive.keys() - reading.names.keys():
                return None
            return self.catalog.get(next(iter(reading.names)))
        longest = max((len(p.tokens) for p in reading.descriptive.values()), default=0)
        named = [entry_id for entry_id, p in reading.descriptive.items() if len(p.tokens) == longest]
        return self.catalog.get(named[0]) if len(named) == 1 else None

    def normalise_area(self, word: str) -> str | None:
        """The canonical target for an everyday word ("bum" -> "glutes"), or None."""
        if word in self.catalog.area_descriptions:
            return word
        areas = self._read(word).areas
        return areas[0] if len(areas) == 1 else None

    def normalise_goal(self, word: str) -> str | None:
        """The kind of entry a word asks for ("stronger" -> "strengthen"), or None."""
        if word in KIND_LABELS:
            return word
        goals = self._read(word).goals
        return goals[0] if len(goals) == 1 else None

    def mentions_unknown_area(self, text: str) -> str | None:
        """A body part the catalog has nothing for ("neck"), so an empty search can be explained."""
        parts = self._read(text).other_parts
        return parts[0] if parts else None

    # -- reading a text -----------------------------------------------------------------------

    def _read(self, text: str) -> _Reading:
        tokens = [self._correct(t) for t in content_tokens(text)]
        remaining = Counter(tokens)
        found: dict[str, list[_Phrase]] = {c: [] for c in _CATEGORY_PRIORITY}
        for phrase in self._phrases:
            needed = Counter(phrase.tokens)
            if all(remaining[t] >= n for t, n in needed.items()):
                remaining -= needed
                found[phrase.category].append(phrase)
        names: dict[str, _Phrase] = {}
        for phrase in found[_NAME]:
            names.setdefault(phrase.value, phrase)
        descriptive: dict[str, _Phrase] = {}
        described: dict[str, _Phrase] = {}
        for phrase in self._descriptive:
            if _contains_run(tokens, phrase.tokens):
                descriptive.setdefault(phrase.value, phrase)
            # For ranking, word order is free: "stretch for piriformis" describes
            # the "piriformis stretch" (but does not name it for find_by_name).
            if set(phrase.tokens) <= set(tokens):
                described.setdefault(phrase.value, phrase)
        left = set(remaining.elements())
        return _Reading(
            names=names,
            descriptive=descriptive,
            described=described,
            areas=_unique(p.value for p in found[_AREA]),
            goals=_unique(p.value for p in found[_GOAL]),
            places=_unique(p.value for p in found[_PLACE]),
            other_parts=_unique(p.value for p in found[_OTHER_PART]),
            general=bool(left & GENERAL_WORDS),
            sciatica=bool(left & SCIATICA_WORDS),
        )

    def _correct(self, token: str) -> str:
        """Fix a typo ("hamstirng") by the closest catalog word; leave everything else alone."""
        if token in self._vocabulary or token in _NOT_TYPOS or len(token) < _TYPO_MIN_LENGTH:
            return token
        close = difflib.get_close_matches(token, self._typo_targets, n=1, cutoff=_TYPO_CUTOFF)
        return close[0] if close else token

    # -- scoring ------------------------------------------------------------------------------

    def _score(
        self,
        entry: Exercise,
        reading: _Reading,
        areas: Sequence[str],
        goals: Collection[str],
        general: bool,
    ) -> tuple[float, list[str]]:
        score, reasons = 0.0, []
        name = reading.names.get(entry.id)
        if name is not None:
            score += NAME_SCORE + NAME_TOKEN_SCORE * len(name.tokens)
            reasons.append(f"matches the name '{name.text}'")
        elif entry.id in reading.described:
            score += DESCRIPTIVE_NAME_BONUS
            reasons.append(f"matches the name '{reading.described[entry.id].text}'")
        worked = [a for a in areas if a in entry.targets]
        if worked:
            score += sum(AREA_WEIGHTS[min(entry.targets.index(a), len(AREA_WEIGHTS) - 1)] for a in worked)
            reasons.append("works your " + _join(a.replace("_", " ") for a in worked))
        if entry.kind in goals:
            score += GOAL_SCORE
            reasons.append(KIND_LABELS[entry.kind])
        places = [p for p in reading.places if p in entry.suitable_for or "anywhere" in entry.suitable_for]
        if places:
            score += PLACE_SCORE
            reasons.append("can be done " + PLACE_LABELS[places[0]])
        if general:
            score += self._general_score(entry, reading, goals, reasons)
        return score, reasons

    def _general_score(self, entry: Exercise, reading: _Reading, goals: Collection[str], reasons: list[str]) -> float:
        best = self.catalog.best_for_sciatica
        fits = (not goals or best.kind in goals) and (
            not reading.places or set(reading.places) & set(best.suitable_for)
        )
        if entry.id == best.id and fits:
            label = self.catalog.source_label(self.catalog.best_claim.source)
            reasons.append(f"the exercise most often recommended for sciatica ({label})")
            return BEST_BONUS
        if not goals and not reading.places:
            reasons.append("one of the catalog's entries for sciatica")
            return GENERAL_BASE
        return 0.0

    # -- building the phrase tables -----------------------------------------------------------

    def _name_phrases(self, plain_words: Collection[str]) -> list[_Phrase]:
        """Names and aliases; one made only of plain area/goal/place words is 'descriptive'."""
        phrases: list[_Phrase] = []
        owner: dict[tuple[str, ...], str] = {}
        for order, entry in enumerate(self.catalog):
            for text in entry.phrases:
                tokens = tuple(content_tokens(text))
                key = tuple(sorted(tokens))
                if not tokens:
                    raise DataFileError(self.catalog.path, f"alias '{text}' has only filler words", entry.id)
                if owner.setdefault(key, entry.id) != entry.id:
                    raise DataFileError(
                        self.catalog.path, f"alias '{text}' reads the same as one of '{owner[key]}'", entry.id
                    )
                descriptive = all(t in plain_words for t in tokens)
                phrases.append(_Phrase(tokens, _NAME, entry.id, text, order, descriptive))
        return phrases

    def _word_phrases(self) -> list[_Phrase]:
        catalog = self.catalog
        tables: list[tuple[str, Mapping[str, Iterable[str]]]] = [
            (_AREA, {a: (a.replace("_", " "), *catalog.area_words.get(a, ())) for a in catalog.areas}),
            (_GOAL, {k: (k, *words) for k, words in catalog.goal_words.items()}),
            (_PLACE, dict(catalog.place_words)),
            (_OTHER_PART, {part: (part,) for part in catalog.other_body_parts}),
        ]
        phrases: list[_Phrase] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for category, table in tables:
            for order, (value, words) in enumerate(table.items()):
                for text in words:
                    tokens = tuple(content_tokens(text))
                    if tokens and (category, tuple(sorted(tokens))) not in seen:
                        seen.add((category, tuple(sorted(tokens))))
                        phrases.append(_Phrase(tokens, category, value, text, order))
        return phrases


def _contains_run(tokens: Sequence[str], run: Sequence[str]) -> bool:
    """True if `run` occurs in `tokens` as consecutive words, in order."""
    width = len(run)
    return any(tuple(tokens[i : i + width]) == tuple(run) for i in range(len(tokens) - width + 1))


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _join(words: Iterable[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# -- labelled queries and evaluation ----------------------------------------------------------


@dataclass(frozen=True)
class LabelledQuery:
    """A query and the entry ids acceptable at top-1; no ids means it must find nothing."""

    text: str
    expected: tuple[str, ...]
    areas: tuple[str, ...] = ()
    goal: str | None = None


@dataclass(frozen=True)
class EvalFailure:
    query: LabelledQuery
    got: tuple[str, ...]


@dataclass(frozen=True)
class EvalReport:
    total: int
    top1_correct: int
    accuracy: float
    failures: tuple[EvalFailure, ...] = field(default=())

    def summary(self) -> str:
        lines = [f"top-1 accuracy {self.accuracy:.1%} ({self.top1_correct}/{self.total})"]
        for failure in self.failures:
            expected = ", ".join(failure.query.expected) or "nothing"
            got = ", ".join(failure.got[:3]) or "nothing"
            lines.append(f"  '{failure.query.text}': expected {expected}, got {got}")
        return "\n".join(lines)


def load_labelled_queries(
    path: Path | str = DEFAULT_QUERIES_PATH, catalog: Catalog | None = None
) -> list[LabelledQuery]:
    """Read the labelled query file; with a catalog, every expected id must exist in it."""
    path = Path(path)
    data = require_mapping(path, load_yaml(path))
    raw_queries = data.get("queries")
    if not isinstance(raw_queries, list) or not raw_queries:
        raise DataFileError(path, "'queries' must be a non-empty list")
    queries = []
    for raw in raw_queries:
        raw = require_mapping(path, raw, "queries")
        text = str(raw.get("text") or "<query without text>")
        require_fields(path, text, raw, ("text",))
        if not isinstance(raw.get("expect"), list):
            raise DataFileError(path, "'expect' must be a list of ids (empty: must find nothing)", text)
        expected = tuple(str(i) for i in raw["expect"])
        if catalog is not None:
            for entry_id in expected:
                if entry_id not in catalog:
                    raise DataFileError(path, f"unknown entry id '{entry_id}'", text)
        queries.append(LabelledQuery(text, expected, tuple(raw.get("areas") or ()), raw.get("goal")))
    return queries


def evaluate(matcher: ExerciseMatcher, cases: Iterable[LabelledQuery]) -> EvalReport:
    """Top-1 accuracy: the first result is one of the expected ids, or nothing when none is."""
    total = correct = 0
    failures = []
    for case in cases:
        got = tuple(m.exercise.id for m in matcher.search(case.text, areas=case.areas, goal=case.goal))
        ok = got[0] in case.expected if got and case.expected else not got and not case.expected
        total += 1
        correct += ok
        if not ok:
            failures.append(EvalFailure(case, got))
    return EvalReport(total, correct, correct / total if total else 0.0, tuple(failures))
