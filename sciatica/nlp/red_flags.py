"""The red-flag detector: a spaCy component that finds red flags in what people write.

Patterns come from data/triage/red_flags.yml, written in a small phrase language
(see the head of that file) and compiled here into spaCy Matcher token patterns over
LEMMA and LOWER. The compiled patterns are saved with the pipeline (like spaCy's
EntityRuler), so a loaded pipeline does not need the YAML.

For each hit the detector decides, within its clause, whether it is negated ("no
bladder problems", "my bladder control is fine") or history ("years ago", "used to"),
and writes `doc.spans["red_flags"]` (affirmed flags), `doc.spans["red_flag_markers"]`
(findings that only matter combined) and `doc.spans["red_flags_negated"]` (the rest,
for debugging). "can't", "unable" and "didn't notice" are part of symptoms, not
negations. `sciatica.triage.assess` turns the spans into a referral level.
"""

import copy
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import spacy
import srsly
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, filter_spans
from spacy.vocab import Vocab

from sciatica.datafiles import DataFileError
from sciatica.nlp.lemmatizer import COMPONENT_NAME as LEMMATIZER_NAME
from sciatica.nlp.lemmatizer import add_domain_lemmatizer
from sciatica.triage import (
    DEFAULT_RED_FLAGS_PATH,
    MARKERS_SPANS_KEY,
    NEGATED_SPANS_KEY,
    SPANS_KEY,
    RedFlagBook,
    load_red_flags,
)

COMPONENT_NAME = "red_flag_detector"
MAX_PATTERNS_PER_PHRASE = 5000

TokenPattern = list[dict[str, Any]]
Lemmatize = Callable[[str], list[str]]

_GAP = re.compile(r"\.\.\.(\d+)?")


class PatternError(ValueError):
    """A phrase of the pattern language cannot be compiled."""


# ---------------------------------------------------------------------------- compiler


class PhraseCompiler:
    """Compile the phrase language of red_flags.yml into spaCy Matcher token patterns."""

    def __init__(
        self,
        vocab: Mapping[str, Iterable[str]],
        *,
        lemmatize: Lemmatize,
        lowercase: Lemmatize,
        gap_stops: Iterable[str],
        window: int,
    ):
        self.vocab = vocab
        self.lemmatize = lemmatize
        self.lowercase = lowercase
        self.gap_token = {"LEMMA": {"NOT_IN": sorted(set(gap_stops))}, "OP": "?"}
        self.window = window
        self._resolved: dict[str, list[TokenPattern]] = {}
        self._resolving: set[str] = set()

    def compile(self, spec: str | list | dict) -> list[TokenPattern]:
        if isinstance(spec, list):
            return [copy.deepcopy(spec)]
        if isinstance(spec, dict):
            first, second = spec["near"]
            window = spec.get("window", self.window)
            return _unique(self.phrase(f"{first} ...{window} {second}") + self.phrase(f"{second} ...{window} {first}"))
        return self.phrase(spec)

    def phrase(self, text: str) -> list[TokenPattern]:
        patterns = [seq for seq in self._sequence(_split_items(text)) if any(t.get("OP") != "?" for t in seq)]
        if not patterns:
            raise PatternError(f"phrase matches nothing: {text!r}")
        return _unique(patterns)

    def _sequence(self, items: list[str]) -> list[TokenPattern]:
        sequences: list[TokenPattern] = [[]]
        for position, item in enumerate(items):
            gap = _GAP.fullmatch(item)
            if gap:
                if position in (0, len(items) - 1):
                    raise PatternError(f"a gap must stand between two words: {' '.join(items)!r}")
                tokens = [dict(self.gap_token) for _ in range(int(gap.group(1) or self.window))]
                sequences = [seq + tokens for seq in sequences]
                continue
            alternatives = self._item(item)
            sequences = [seq + alt for seq in sequences for alt in alternatives]
            if len(sequences) > MAX_PATTERNS_PER_PHRASE:
                raise PatternError(f"phrase expands to too many patterns: {' '.join(items)!r}")
        return sequences

    def _item(self, item: str) -> list[TokenPattern]:
        optional = len(item) > 1 and item.endswith("?")
        item = item[:-1] if optional else item
        if item.startswith("(") and item.endswith(")"):
            alternatives = [seq for part in _split_top(item[1:-1], "|") for seq in self._sequence(_split_items(part))]
        elif item.startswith("!"):
            words = [self._single(word) for word in item[1:].split("|")]
            alternatives = [[{"LEMMA": {"NOT_IN": words}}]]
        else:
            alternatives = [seq for word in item.split("|") for seq in self._word(word)]
        alternatives = _merge_alternatives(alternatives)
        return alternatives + [[]] if optional else alternatives

    def _word(self, word: str) -> list[TokenPattern]:
        if not word:
            raise PatternError("empty alternative")
        if word.startswith("$"):
            return self._resolve(word[1:])
        if word.startswith("="):
            return [[{"LOWER": token} for token in self._tokens(self.lowercase, word[1:])]]
        return [[{"LEMMA": token} for token in self._tokens(self.lemmatize, word)]]

    def _single(self, word: str) -> str:
        tokens = self._tokens(self.lemmatize, word)
        if len(tokens) != 1:
            raise PatternError(f"'!' takes single words, got {word!r}")
        return tokens[0]

    @staticmethod
    def _tokens(convert: Lemmatize, word: str) -> list[str]:
        tokens = convert(word)
        if not tokens:
            raise PatternError(f"no token in {word!r}")
        return tokens

    def _resolve(self, name: str) -> list[TokenPattern]:
        if name in self._resolved:
            return copy.deepcopy(self._resolved[name])
        if name not in self.vocab:
            raise PatternError(f"unknown vocab '${name}'")
        if name in self._resolving:
            raise PatternError(f"vocab '${name}' refers to itself")
        self._resolving.add(name)
        try:
            alternatives = [
                copy.deepcopy(entry) if isinstance(entry, list) else seq
                for entry in self.vocab[name]
                for seq in ([entry] if isinstance(entry, list) else self._sequence(_split_items(entry)))
            ]
        finally:
            self._resolving.discard(name)
        self._resolved[name] = _merge_alternatives(alternatives)
        return copy.deepcopy(self._resolved[name])


def _split_items(text: str) -> list[str]:
    """Split on spaces outside parentheses."""
    items, current, depth = [], "", 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise PatternError(f"unbalanced ')' in {text!r}")
        if char.isspace() and depth == 0:
            if current:
                items.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise PatternError(f"unbalanced '(' in {text!r}")
    if current:
        items.append(current)
    if not items:
        raise PatternError("empty phrase")
    return items


def _split_top(text: str, separator: str) -> list[str]:
    """Split on `separator` outside parentheses."""
    parts, current, depth = [], "", 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if any(not part.strip() for part in parts):
        raise PatternError(f"empty alternative in ({text})")
    return parts


def _merge_alternatives(alternatives: list[TokenPattern]) -> list[TokenPattern]:
    """Fold one-token alternatives into a single {"LEMMA": {"IN": [...]}} token."""
    by_attr: dict[str, list[str]] = {"LEMMA": [], "LOWER": []}
    rest: list[TokenPattern] = []
    for seq in alternatives:
        if len(seq) == 1 and len(seq[0]) == 1 and next(iter(seq[0])) in by_attr:
            attr, value = next(iter(seq[0].items()))
            if isinstance(value, str):
                by_attr[attr].append(value)
                continue
            if isinstance(value, dict) and set(value) == {"IN"}:
                by_attr[attr].extend(value["IN"])
                continue
        rest.append(seq)
    merged = []
    for attr, values in by_attr.items():
        values = sorted(set(values))
        if values:
            merged.append([{attr: values[0] if len(values) == 1 else {"IN": values}}])
    return merged + _unique(rest)


def _unique(patterns: list[TokenPattern]) -> list[TokenPattern]:
    seen: dict[str, TokenPattern] = {}
    for pattern in patterns:
        seen.setdefault(json.dumps(pattern, sort_keys=True), pattern)
    return list(seen.values())


def compile_book(book: RedFlagBook, *, lemmatize: Lemmatize, lowercase: Lemmatize) -> dict[str, Any]:
    """All patterns of the book as plain JSON data for `RedFlagDetector.add_flags`."""
    compiler = PhraseCompiler(
        book.vocab,
        lemmatize=lemmatize,
        lowercase=lowercase,
        gap_stops=book.scope["gap_stops"],
        window=book.scope["window"],
    )
    rules = []
    entries = [("flag", entry) for entry in book.flags.values()] + [("marker", entry) for entry in book.markers.values()]
    for kind, entry in entries:
        rules.append(
            {
                "id": entry.id,
                "kind": kind,
                "history": entry.history,
                "yields_to": list(getattr(entry, "yields_to", ())),
                "patterns": _compile_all(compiler, entry.patterns, book, entry.id),
                "exclude": _compile_all(compiler, entry.exclude, book, entry.id),
            }
        )
    cues = {kind: _compile_all(compiler, specs, book, f"negation_cues.{kind}") for kind, specs in book.negation_cues.items()}
    cues["history_distant"] = _compile_all(compiler, book.history_cues["distant"], book, "history_cues.distant")
    cues["history"] = _compile_all(compiler, book.history_cues["cues"], book, "history_cues.cues") + cues["history_distant"]
    cues["history_pseudo"] = _compile_all(compiler, book.history_cues["pseudo"], book, "history_cues.pseudo")
    scope = {key: list(book.scope[key]) for key in ("clause_breaks", "joiners", "clause_starters", "negation_pass")}
    return {"rules": rules, "cues": cues, "scope": scope}


def _compile_all(compiler: PhraseCompiler, specs: Iterable, book: RedFlagBook, entry_id: str) -> list[TokenPattern]:
    patterns: list[TokenPattern] = []
    for spec in specs:
        try:
            patterns.extend(compiler.compile(spec))
        except PatternError as error:
            raise DataFileError(book.path or "red flags", f"bad pattern {spec!r}: {error}", entry_id) from None
    return patterns


def check_book_patterns(book: RedFlagBook) -> None:
    """Compile every phrase and hand every raw token pattern to spaCy's Matcher.

    Compiled phrases only hold LEMMA/LOWER values and "?" operators, so spaCy's
    schema check (slow on thousands of patterns) is kept for the raw patterns.
    """
    compile_book(book, lemmatize=_plain_words, lowercase=_plain_words)
    matcher = Matcher(Vocab(), validate=True)
    for entry_id, specs in _entries_with_specs(book):
        for pattern in (spec for spec in specs if isinstance(spec, list)):
            try:
                matcher.add(entry_id, [pattern])
            except (ValueError, KeyError, TypeError) as error:
                message = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
                raise DataFileError(book.path or "red flags", f"spaCy's Matcher rejects {pattern!r}: {message}", entry_id) from None


def _entries_with_specs(book: RedFlagBook) -> Iterable[tuple[str, tuple]]:
    for entry in [*book.flags.values(), *book.markers.values()]:
        yield entry.id, (*entry.patterns, *entry.exclude)
    for name, entries in book.vocab.items():
        yield f"vocab.{name}", tuple(entries)
    for name, cues in (("negation_cues", book.negation_cues), ("history_cues", book.history_cues)):
        for kind, specs in cues.items():
            yield f"{name}.{kind}", tuple(specs)


def _plain_words(text: str) -> list[str]:
    return text.lower().split()


# ---------------------------------------------------------------------------- component


class RedFlagDetector:
    """Writes red-flag spans for affirmed, negated and historical hits."""

    def __init__(
        self,
        vocab: Vocab,
        name: str = COMPONENT_NAME,
        *,
        spans_key: str = SPANS_KEY,
        markers_key: str = MARKERS_SPANS_KEY,
        negated_key: str = NEGATED_SPANS_KEY,
        negation_window: int = 5,
        post_negation_window: int = 3,
    ):
        self.vocab = vocab
        self.name = name
        self.spans_key = spans_key
        self.markers_key = markers_key
        self.negated_key = negated_key
        self.negation_window = negation_window
        self.post_negation_window = post_negation_window
        self.data: dict[str, Any] = {"rules": [], "cues": {}, "scope": {}}
        self._build()

    # -- filling

    def add_flags(self, compiled: Mapping[str, Any]) -> None:
        """Replace the patterns with `compile_book` output."""
        self.data = _unpack(_pack(compiled))
        self._build()

    def initialize(
        self,
        get_examples: Callable[[], Iterable] | None = None,
        *,
        nlp: Language | None = None,
        red_flags_path: str | Path | None = None,
        patterns: Mapping[str, Any] | None = None,
    ) -> None:
        """Fill from compiled `patterns` or from the data file; without either keep what is loaded."""
        if patterns is not None:
            self.add_flags(patterns)
        elif red_flags_path is not None:
            if nlp is None:
                raise ValueError("initialize needs nlp to compile a red-flags file")
            self.add_flags(compile_book(load_red_flags(red_flags_path), **_pipeline_text_functions(nlp)))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(rule["id"] for rule in self.data["rules"])

    def _build(self) -> None:
        self.rules = {rule["id"]: rule for rule in self.data["rules"]}
        # Compiled patterns were checked when the book was loaded: skip spaCy's slow schema check.
        self.matcher = Matcher(self.vocab, validate=False)
        self.exclude_matcher = Matcher(self.vocab, validate=False)
        self.cue_matcher = Matcher(self.vocab, validate=False)
        for rule in self.data["rules"]:
            if rule["patterns"]:
                self.matcher.add(rule["id"], rule["patterns"])
            if rule["exclude"]:
                self.exclude_matcher.add(rule["id"], rule["exclude"])
        for kind, patterns in self.data["cues"].items():
            if patterns:
                self.cue_matcher.add(kind, patterns)
        scope = self.data["scope"]
        self.clause_breaks = frozenset(scope.get("clause_breaks", ()))
        self.joiners = frozenset(scope.get("joiners", ()))
        self.clause_starters = frozenset(scope.get("clause_starters", ()))
        self.negation_pass = frozenset(scope.get("negation_pass", ()))

    # -- running

    def __call__(self, doc: Doc) -> Doc:
        affirmed: list[Span] = []
        negated: list[Span] = []
        if len(doc) and self.rules:
            context = _Context(doc, self)
            hits = [(self.vocab.strings[match_id], start, end) for match_id, start, end in self.matcher(doc)]
            excluded = context.exclusions(self.exclude_matcher)
            for label, start, end in hits:
                if any(_overlaps(start, end, s, e) for s, e in excluded.get(label, ())):
                    continue
                if context.negated(start, end) or context.historical(start, end, self.rules[label]["history"]):
                    negated.append(Span(doc, start, end, label=label))
                else:
                    affirmed.append(Span(doc, start, end, label=label))
            affirmed = self._without_yielded(affirmed)
        is_marker = {rule["id"]: rule["kind"] == "marker" for rule in self.data["rules"]}
        doc.spans[self.spans_key] = _longest_per_label(span for span in affirmed if not is_marker[span.label_])
        doc.spans[self.markers_key] = _longest_per_label(span for span in affirmed if is_marker[span.label_])
        doc.spans[self.negated_key] = _longest_per_label(negated)
        return doc

    def _without_yielded(self, spans: list[Span]) -> list[Span]:
        """Drop a hit lying inside a hit of a flag it yields to."""
        kept = []
        for span in spans:
            stronger = self.rules[span.label_]["yields_to"]
            inside = any(
                other.label_ in stronger and other.start <= span.start and span.end <= other.end for other in spans
            )
            if not inside:
                kept.append(span)
        return kept

    # -- serialisation, like spaCy's EntityRuler

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.msgpack_dumps(_pack(self.data))

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "RedFlagDetector":
        self.data = _unpack(srsly.msgpack_loads(bytes_data))
        self._build()
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_gzip_json(path / "patterns.json.gz", _pack(self.data))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> "RedFlagDetector":
        self.data = _unpack(srsly.read_gzip_json(ensure_path(path) / "patterns.json.gz"))
        self._build()
        return self


# The compiled phrases expand to some 8,000 patterns built from a few hundred
# distinct token specs (the gap token alone recurs tens of thousands of times).
# Stored and held as one table of specs plus index lists, they take a few MB
# instead of well over 100 MB of repeated dicts in every server process.


def _pack(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with every token spec replaced by its index in a table of distinct specs."""
    index: dict[str, int] = {}
    table: list[dict] = []

    def indices(patterns: list[TokenPattern]) -> list[list[int]]:
        packed = []
        for pattern in patterns:
            row = []
            for token in pattern:
                key = json.dumps(token, sort_keys=True)
                if key not in index:
                    index[key] = len(table)
                    table.append(token)
                row.append(index[key])
            packed.append(row)
        return packed

    rules = [{**rule, "patterns": indices(rule["patterns"]), "exclude": indices(rule["exclude"])} for rule in data["rules"]]
    cues = {kind: indices(patterns) for kind, patterns in data["cues"].items()}
    return {"tokens": table, "rules": rules, "cues": cues, "scope": dict(data["scope"])}


def _unpack(packed: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `_pack`; equal token specs come back as one shared dict."""
    table = packed["tokens"]

    def patterns(rows: list[list[int]]) -> list[TokenPattern]:
        return [[table[i] for i in row] for row in rows]

    rules = [{**rule, "patterns": patterns(rule["patterns"]), "exclude": patterns(rule["exclude"])} for rule in packed["rules"]]
    cues = {kind: patterns(rows) for kind, rows in packed["cues"].items()}
    return {"rules": rules, "cues": cues, "scope": dict(packed["scope"])}


class _Context:
    """Clauses and cues of one doc, to judge each hit."""

    def __init__(self, doc: Doc, detector: RedFlagDetector):
        self.doc = doc
        self.detector = detector
        self.clauses = self._clauses()
        self.cues = self._cues()

    def _clauses(self) -> list[int]:
        detector, doc = self.detector, self.doc
        clause, clauses = 0, []
        for i, token in enumerate(doc):
            lemma = token.lemma_
            next_lemma = doc[i + 1].lemma_ if i + 1 < len(doc) else ""
            if lemma in detector.clause_breaks or (token.is_space and "\n" in token.text):
                clause += 1
            elif lemma in detector.joiners and next_lemma in detector.clause_starters:
                clause += 1
            clauses.append(clause)
        return clauses

    def _cues(self) -> dict[str, list[tuple[int, int]]]:
        found: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in self.detector.cue_matcher(self.doc):
            found.setdefault(self.detector.vocab.strings[match_id], []).append((start, end))
        pseudo = _covered(found.get("pseudo", ()))
        history_pseudo = _covered(found.get("history_pseudo", ()))
        for kind in ("before", "after"):
            found[kind] = [(s, e) for s, e in found.get(kind, ()) if not pseudo & set(range(s, e))]
        for kind in ("history", "history_distant"):
            found[kind] = [(s, e) for s, e in found.get(kind, ()) if not history_pseudo & set(range(s, e))]
        return found

    def negated(self, start: int, end: int) -> bool:
        return self._negated_before(start) or self._negated_after(end)

    def _negated_before(self, start: int) -> bool:
        for cue_start, cue_end in self.cues.get("before", ()):
            if cue_end > start or start - cue_end > self.detector.negation_window:
                continue
            if self.clauses[cue_start] != self.clauses[start] or not self._passes(cue_end, start):
                continue
            if not self._cancelled(cue_end):
                return True
        return False

    def _negated_after(self, end: int) -> bool:
        for cue_start, _ in self.cues.get("after", ()):
            if cue_start < end or cue_start - end > self.detector.post_negation_window:
                continue
            if self.clauses[cue_start] == self.clauses[end - 1] and self._passes(end, cue_start):
                return True
        return False

    def _passes(self, start: int, end: int) -> bool:
        return all(self.doc[i].lemma_ in self.detector.negation_pass for i in range(start, end))

    def _cancelled(self, cue_end: int) -> bool:
        """ "never had trouble peeing until now", "used to ... but now I do"."""
        clause = self.clauses[cue_end - 1]
        return any(s >= cue_end and self.clauses[s] in (clause, clause + 1) for s, _ in self.cues.get("cancel", ()))

    def historical(self, start: int, end: int, setting: str) -> bool:
        if setting == "ignore":
            return False
        clauses = {self.clauses[start], self.clauses[end - 1]}
        cues = self.cues.get("history_distant" if setting == "distant" else "history", ())
        return any(self.clauses[s] in clauses and not self._cancelled(e) for s, e in cues)

    def exclusions(self, matcher: Matcher) -> dict[str, list[tuple[int, int]]]:
        """Look-alikes found, unless they are negated themselves ("not on a diet")."""
        excluded: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in matcher(self.doc):
            if not self._negated_before(start):
                excluded.setdefault(self.detector.vocab.strings[match_id], []).append((start, end))
        return excluded


def _covered(spans: Iterable[tuple[int, int]]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def _longest_per_label(spans: Iterable[Span]) -> list[Span]:
    by_label: dict[str, list[Span]] = {}
    for span in spans:
        by_label.setdefault(span.label_, []).append(span)
    kept = [span for label in sorted(by_label) for span in filter_spans(by_label[label])]
    return sorted(kept, key=lambda span: (span.start, span.end, span.label_))


@Language.factory(
    COMPONENT_NAME,
    default_config={
        "spans_key": SPANS_KEY,
        "markers_key": MARKERS_SPANS_KEY,
        "negated_key": NEGATED_SPANS_KEY,
        "negation_window": 5,
        "post_negation_window": 3,
    },
    requires=["token.lemma"],
)
def make_red_flag_detector(
    nlp: Language,
    name: str,
    spans_key: str,
    markers_key: str,
    negated_key: str,
    negation_window: int,
    post_negation_window: int,
) -> RedFlagDetector:
    return RedFlagDetector(
        nlp.vocab,
        name,
        spans_key=spans_key,
        markers_key=markers_key,
        negated_key=negated_key,
        negation_window=negation_window,
        post_negation_window=post_negation_window,
    )


# ---------------------------------------------------------------------------- builders


def _pipeline_text_functions(nlp: Language) -> dict[str, Lemmatize]:
    """Lemmatize pattern words exactly as the pipeline will lemmatize messages."""
    if LEMMATIZER_NAME not in nlp.pipe_names:
        raise ValueError(f"add the '{LEMMATIZER_NAME}' component before the red-flag detector")
    lemmatizer = nlp.get_pipe(LEMMATIZER_NAME)

    def lemmatize(text: str) -> list[str]:
        return [lemmatizer.lemmatize(token.lower_) for token in nlp.make_doc(text) if not token.is_space]

    def lowercase(text: str) -> list[str]:
        return [token.lower_ for token in nlp.make_doc(text) if not token.is_space]

    return {"lemmatize": lemmatize, "lowercase": lowercase}


def add_red_flag_detector(nlp: Language, red_flags_path: Path = DEFAULT_RED_FLAGS_PATH) -> None:
    """Add the detector at the end of the pipeline and fill it from `red_flags_path`."""
    book = load_red_flags(red_flags_path)
    config = {key: book.scope[key] for key in ("negation_window", "post_negation_window")}
    detector = nlp.add_pipe(COMPONENT_NAME, last=True, config=config)
    detector.add_flags(compile_book(book, **_pipeline_text_functions(nlp)))


def make_triage_nlp() -> Language:
    """A blank English pipeline with the lemmatizer and the red-flag detector."""
    nlp = spacy.blank("en")
    add_domain_lemmatizer(nlp)
    add_red_flag_detector(nlp)
    return nlp
