"""ConText for red-flag findings: negated, past, someone else's, hypothetical.

The rules are the `context` records of data/triage/red_flags.yml, applied the way
medspaCy's ConText applies its rules: each cue found in a message reaches over a
scope (forward, backward or both, at most `max_scope` tokens, never past the end of
its clause), and modifies a finding whose first or last word lies in that scope,
if the record's flag filters let it. `pseudo` cues cancel the cues they overlap
("no longer", "can't"); `terminate` cues end clauses ("but", "however").

Two rules of this project on top:
- a cue that is one of the finding's own words is part of the symptom ("no feeling
  down there", "can't feel"), not a modifier of it;
- a negation counts only when it clearly reaches the finding: across a list joiner
  ("," "and" "or") only into another area ("no bladder, bowel or saddle problems").
  Otherwise it is `unclear`, and the bot asks instead of trusting it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from spacy.tokens import Doc

Span = tuple[int, int]


@dataclass(frozen=True)
class Cue:
    rule: int  # index of the context record
    start: int
    end: int


@dataclass(frozen=True)
class Record:
    category: str
    direction: str | None
    max_scope: int | None
    allowed: frozenset[str] | None
    excluded: frozenset[str] | None

    @classmethod
    def from_data(cls, data: Mapping) -> "Record":
        allowed, excluded = data.get("allowed_flags"), data.get("excluded_flags")
        return cls(
            category=data["category"],
            direction=data.get("direction"),
            max_scope=data.get("max_scope"),
            allowed=frozenset(allowed) if allowed is not None else None,
            excluded=frozenset(excluded) if excluded is not None else None,
        )

    def touches(self, flag_id: str) -> bool:
        if self.allowed is not None:
            return flag_id in self.allowed
        return self.excluded is None or flag_id not in self.excluded


class MessageContext:
    """The clauses and cues of one message, to judge each finding."""

    def __init__(self, doc: Doc, records: Sequence[Record], cue_matches: Iterable[Cue], *,
                 sentence_ends: frozenset[str], list_joiners: frozenset[str], scope_passes: frozenset[str] = frozenset(),
                 targets: Iterable[Span] = (), areas: Iterable[Span] = ()):
        self.doc = doc
        self.records = records
        self.list_joiners = list_joiners
        self.scope_passes = scope_passes
        # Where some word list matched: a cue's reach ends after one of them ("I don't
        # have back pain really, just can't feel my bum": the "not" is the back pain's).
        self.in_target = [False] * len(doc)
        for start, end in targets:
            for i in range(start, end):
                self.in_target[i] = True
        self.in_area = [False] * len(doc)
        for start, end in areas:
            for i in range(start, end):
                self.in_area[i] = True
        cues = list(cue_matches)
        pseudo = [cue for cue in cues if records[cue.rule].category == "pseudo"]
        terminate = [cue for cue in cues if records[cue.rule].category == "terminate"]
        self.cues = [
            cue for cue in cues
            if records[cue.rule].category not in ("pseudo", "terminate")
            and not any(_overlaps((cue.start, cue.end), (p.start, p.end)) for p in pseudo if p.rule != cue.rule)
        ]
        self.clauses = _clauses(doc, sentence_ends, {cue.start for cue in terminate})
        self.sentences = _clauses(doc, sentence_ends, set())

    def same_sentence(self, clause_a: int, clause_b: int) -> bool:
        sentence = {self.sentences[i] for i, clause in enumerate(self.clauses) if clause in (clause_a, clause_b)}
        return len(sentence) == 1

    def same_clause(self, spans: Iterable[Span]) -> bool:
        return len({self.clauses[start] for start, _ in spans} | {self.clauses[end - 1] for _, end in spans}) == 1

    def clause_bounds(self, token: int) -> Span:
        clause = self.clauses[token]
        start = token
        while start > 0 and self.clauses[start - 1] == clause:
            start -= 1
        end = token + 1
        while end < len(self.clauses) and self.clauses[end] == clause:
            end += 1
        return start, end

    def judge(self, flag_id: str, words: Sequence[Span], areas: Iterable[int]) -> str | None:
        """The strongest category that modifies this finding, or None if it stands.

        `words` are the finding's own matched words; `areas` the token positions where
        an area word starts (a clear negation may run through a list of them).
        Returns one of negated, historical, family, hypothetical or "unclear".
        """
        area_starts = set(areas)
        start, end = min(s for s, _ in words), max(e for _, e in words)
        found: set[str] = set()
        for cue in self.cues:
            record = self.records[cue.rule]
            if not record.touches(flag_id) or any(_overlaps((cue.start, cue.end), word) for word in words):
                continue
            if not self._reaches(cue, record, start, end):
                continue
            if record.category == "negated" and self._stopped(cue, start, end, words):
                continue
            if record.category == "negated" and not self._clearly(cue, start, end, area_starts):
                found.add("unclear")
            else:
                found.add(record.category)
        for category in ("negated", "historical", "family", "hypothetical", "unclear"):
            if category in found:
                return category
        return None

    def _reaches(self, cue: Cue, record: Record, start: int, end: int) -> bool:
        clause_start, clause_end = self.clause_bounds(cue.start)
        scope: set[int] = set()
        if record.direction in ("forward", "both"):
            last = min(cue.end + record.max_scope, clause_end)
            scope.update(range(cue.end, self._through_list(last, clause_end, 1)))
        if record.direction in ("backward", "both"):
            first = max(cue.start - record.max_scope, clause_start)
            scope.update(range(self._through_list(first - 1, clause_start - 1, -1) + 1, cue.start))
        return start in scope or (end - 1) in scope

    def _through_list(self, edge: int, stop: int, step: int) -> int:
        """Carry a scope's edge on through a list of areas ("my bladder and bowels are fine")."""
        i = edge
        while i != stop and (self.in_area[i] or self.doc[i].lower_ in self.list_joiners) and self._in_list(i - step):
            i += step
        return i

    def _in_list(self, i: int) -> bool:
        return 0 <= i < len(self.doc) and (self.in_area[i] or self.doc[i].lower_ in self.list_joiners)

    def _stopped(self, cue: Cue, start: int, end: int, words: Sequence[Span]) -> bool:
        """Past another finding's words, only list words and passes ("are", "any") carry a cue on."""
        own = {i for s, e in words for i in range(s, e)}
        between = list(range(cue.end, start)) if cue.end <= start else list(reversed(range(end, cue.start)))
        passed_target = False
        for i in between:
            if self.in_target[i] and i not in own:
                passed_target = True
            elif passed_target and self.doc[i].lemma_ not in self.scope_passes:
                return True
        return False

    def _clearly(self, cue: Cue, start: int, end: int, area_starts: set[int]) -> bool:
        """No list joiner between cue and finding, unless an area follows it."""
        between = range(cue.end, start) if cue.end <= start else range(end, cue.start)
        for i in between:
            if self.doc[i].lower_ in self.list_joiners and (i + 1) not in area_starts:
                return False
        return True


def _clauses(doc: Doc, sentence_ends: frozenset[str], terminate_starts: set[int]) -> list[int]:
    clause, clauses = 0, []
    for i, token in enumerate(doc):
        if i in terminate_starts and i > 0:
            clause += 1
        clauses.append(clause)
        if token.lower_ in sentence_ends or (token.is_space and "\n" in token.text):
            clause += 1
    return clauses


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]
