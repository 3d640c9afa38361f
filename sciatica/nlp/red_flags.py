"""The red-flag detector: a spaCy component that finds red flags in what people write.

It reads data/triage/red_flags.yml (see the head of that file): word lists of areas,
changes and terms; flags made of lists found together in one clause; and context
records applied as ConText modifiers (sciatica/nlp/context.py). The compiled lists
are saved with the pipeline, like spaCy's EntityRuler, so a loaded pipeline does not
need the YAML.

It writes span groups: `red_flags` (affirmed), `red_flag_markers` (findings that only
matter combined), `red_flags_negated` (negated, past or someone else's: not referred)
and `red_flag_hints` (the topic of a flag touched, without an affirmed finding: the
bot asks). `sciatica.triage.assess` turns them into a referral level.
"""

import itertools
import json
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import spacy
import srsly
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, filter_spans
from spacy.vocab import Vocab

from sciatica.datafiles import DataFileError
from sciatica.nlp.context import Cue, MessageContext, Record
from sciatica.nlp.lemmatizer import COMPONENT_NAME as LEMMATIZER_NAME
from sciatica.nlp.lemmatizer import add_domain_lemmatizer
from sciatica.nlp.words import PatternError, TokenPattern, WordCompiler, plain_words
from sciatica.triage import (
    DEFAULT_RED_FLAGS_PATH,
    HINTS_SPANS_KEY,
    MARKERS_SPANS_KEY,
    NEGATED_SPANS_KEY,
    SET_ASIDE_CATEGORIES,
    SPANS_KEY,
    RedFlagBook,
    load_red_flags,
)

COMPONENT_NAME = "red_flag_detector"
Lemmatize = Callable[[str], list[str]]
Match = tuple[int, int]
# How far a list joiner ("," "and" "or") puts two words apart when a change word
# looks for the area it belongs to.
JOINER_DISTANCE = 3

# ---------------------------------------------------------------------------- compiling


def compile_book(book: RedFlagBook, *, lemmatize: Lemmatize, lowercase: Lemmatize) -> dict[str, Any]:
    """The book as plain JSON data for `RedFlagDetector.add_flags`."""
    compiler = WordCompiler(book.words, lemmatize=lemmatize, lowercase=lowercase,
                            sentence_ends=book.settings["sentence_ends"])
    lists = {name: _compiled(book, name, lambda name=name: compiler.list_patterns(name)) for name in book.words}
    context = []
    for index, rule in enumerate(book.context):
        patterns = [p for cue in rule.cues for p in _compiled(book, f"context[{index}]", lambda cue=cue: compiler.phrase(cue))]
        context.append({
            "category": rule.category,
            "direction": rule.direction,
            "max_scope": rule.max_scope,
            "allowed_flags": sorted(rule.allowed_flags) if rule.allowed_flags is not None else None,
            "excluded_flags": sorted(rule.excluded_flags) if rule.excluded_flags is not None else None,
            "patterns": patterns,
        })
    entries = [("flag", entry) for entry in book.flags.values()] + [("marker", entry) for entry in book.markers.values()]
    rules = [
        {
            "id": entry.id,
            "kind": kind,
            "found_when": [_line(line, entry.within) for line in entry.found_when],
            "hint_when": [_line(line, entry.within) for line in entry.hint_when],
            "unless": list(entry.unless),
            "yields_to": list(entry.yields_to),
            "ask_when": list(entry.ask_when),
            "ask_when_about": list(entry.ask_when_about),
        }
        for kind, entry in entries
    ]
    settings = dict(book.settings)
    settings["list_fillers"] = sorted({lemma for word in settings["list_fillers"] for lemma in lemmatize(word)})
    return {"lists": lists, "kinds": dict(book.kinds), "rules": rules, "context": context, "settings": settings}


def _line(line, within: str) -> dict[str, Any]:
    return {"lists": list(line.lists), "unless": list(line.unless), "within": line.within or within}


def _compiled(book: RedFlagBook, where: str, compile_: Callable[[], list[TokenPattern]]) -> list[TokenPattern]:
    try:
        return compile_()
    except PatternError as error:
        raise DataFileError(book.path or "red flags", f"bad entry: {error}", where) from None


def check_book_patterns(book: RedFlagBook) -> None:
    """Compile every list and cue, so a broken entry fails at load with its name."""
    compile_book(book, lemmatize=plain_words, lowercase=plain_words)


# ---------------------------------------------------------------------------- component


class RedFlagDetector:
    """Writes red-flag spans for affirmed, set-aside and hinted findings."""

    def __init__(self, vocab: Vocab, name: str = COMPONENT_NAME, *, spans_key: str = SPANS_KEY,
                 markers_key: str = MARKERS_SPANS_KEY, negated_key: str = NEGATED_SPANS_KEY,
                 hints_key: str = HINTS_SPANS_KEY):
        self.vocab = vocab
        self.name = name
        self.spans_key = spans_key
        self.markers_key = markers_key
        self.negated_key = negated_key
        self.hints_key = hints_key
        self.data: dict[str, Any] = {"lists": {}, "kinds": {}, "rules": [], "context": [], "settings": {}}
        self._build()

    def add_flags(self, compiled: Mapping[str, Any]) -> None:
        """Replace everything with `compile_book` output."""
        self.data = _unpack(_pack(compiled))
        self._build()

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None,
                   red_flags_path: str | Path | None = None, patterns: Mapping[str, Any] | None = None) -> None:
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
        # Compiled patterns were checked when the book was loaded: skip spaCy's slow schema check.
        self.list_matcher = Matcher(self.vocab, validate=False)
        for name, patterns in self.data["lists"].items():
            self.list_matcher.add(name, patterns)
        self.cue_matcher = Matcher(self.vocab, validate=False)
        for index, record in enumerate(self.data["context"]):
            self.cue_matcher.add(f"cue{index}", record["patterns"])
        self.records = [Record.from_data(record) for record in self.data["context"]]
        self.kinds = self.data["kinds"]
        self.rules = self.data["rules"]
        settings = self.data["settings"]
        self.window = settings.get("window", 8)
        self.sentence_ends = frozenset(settings.get("sentence_ends", ()))
        self.list_joiners = frozenset(settings.get("list_joiners", ()))
        self.list_words = self.list_joiners | frozenset(settings.get("list_fillers", ()))
        self.scope_passes = self.list_words | frozenset(settings.get("scope_passes", ()))

    def __call__(self, doc: Doc) -> Doc:
        found = _Findings(doc, self) if len(doc) and self.rules else None
        affirmed, set_aside, hints = found.run() if found else ([], [], [])
        is_marker = {rule["id"]: rule["kind"] == "marker" for rule in self.rules}
        doc.spans[self.spans_key] = _longest_per_label(s for s in affirmed if not is_marker[s.label_])
        doc.spans[self.markers_key] = _longest_per_label(s for s in affirmed if is_marker[s.label_])
        doc.spans[self.negated_key] = _longest_per_label(set_aside)
        doc.spans[self.hints_key] = _longest_per_label(hints)
        return doc

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
        srsly.write_gzip_json(path / "red_flags.json.gz", _pack(self.data))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> "RedFlagDetector":
        self.data = _unpack(srsly.read_gzip_json(ensure_path(path) / "red_flags.json.gz"))
        self._build()
        return self


class _Findings:
    """The word-list matches, clauses and cues of one message, and what they make."""

    def __init__(self, doc: Doc, detector: RedFlagDetector):
        self.doc = doc
        self.detector = detector
        self.matches: dict[str, list[Match]] = {}
        for match_id, start, end in detector.list_matcher(doc):
            self.matches.setdefault(detector.vocab.strings[match_id], []).append((start, end))
        cues = (Cue(int(detector.vocab.strings[match_id][3:]), start, end)
                for match_id, start, end in detector.cue_matcher(doc))
        self.areas = self._kind("area")
        self.functions = self._kind("function")
        self.context = MessageContext(doc, detector.records, cues, sentence_ends=detector.sentence_ends,
                                      list_joiners=detector.list_joiners, scope_passes=detector.scope_passes,
                                      targets=[m for found in self.matches.values() for m in found],
                                      areas=[*self.areas, *self.functions])
        self.area_starts = {start for start, _ in (*self.areas, *self.functions)}

    def _kind(self, kind: str) -> list[Match]:
        return sorted({m for name, found in self.matches.items() if self.detector.kinds.get(name) == kind for m in found})

    def run(self) -> tuple[list[Span], list[Span], list[Span]]:
        affirmed, set_aside, hints = [], [], []
        for rule in self.detector.rules:
            asking = any(name in self.matches for name in rule["ask_when"])
            verdicts = [(self._judge(rule, combo, asking or self._about(rule, combo)), combo)
                        for combo in self._combinations(rule, rule["found_when"])]
            standing = [combo for verdict, combo in verdicts if verdict is None]
            if standing:
                affirmed.extend(self._span(combo, rule["id"]) for combo in standing)
                continue
            set_aside.extend(self._span(combo, rule["id"]) for verdict, combo in verdicts if verdict in SET_ASIDE_CATEGORIES)
            if rule["kind"] != "flag":
                continue
            asked = [combo for verdict, combo in verdicts if verdict in ("hypothetical", "unclear", "asked")]
            asked += [combo for combo in self._combinations(rule, rule["hint_when"])
                      if self._judge(rule, combo) not in SET_ASIDE_CATEGORIES]
            hints.extend(self._mention(combo, rule["id"]) for combo in asked)
        return self._without_yielded(affirmed), set_aside, hints

    def _without_yielded(self, spans: list[Span]) -> list[Span]:
        """Drop a finding sharing words with a finding of a flag it yields to."""
        yields = {rule["id"]: set(rule["yields_to"]) for rule in self.detector.rules}
        return [span for span in spans if not any(
            other.label_ in yields[span.label_] and other.start < span.end and span.start < other.end
            for other in spans)]

    # -- finding the lists of a line together

    def _combinations(self, rule: Mapping, lines: Sequence[Mapping]) -> Iterable[dict[str, Match]]:
        for line in lines:
            names = line["lists"]
            if not all(name in self.matches for name in names):
                continue
            for picked in itertools.product(*(self.matches[name] for name in names)):
                combo = dict(zip(names, picked))
                if self._together(combo, line["within"]) and not self._looks_alike(rule, line, combo):
                    yield combo

    def _together(self, combo: Mapping[str, Match], within: str) -> bool:
        spans = sorted(combo.values())
        if len(spans) == 1:
            return True  # a term is its own extent
        if self._overlapping(combo):
            return False  # one word cannot play two parts
        if within == "message":
            return True  # together in one message; no word belongs to another here
        if self._fronted(combo):
            return True  # one sentence: the change's clause names no area of its own
        if any(b[0] - a[1] > self.detector.window for a, b in zip(spans, spans[1:])):
            return False
        if not self.context.same_clause(spans):
            return False
        kinds = self.detector.kinds
        areas = [span for name, span in combo.items() if kinds[name] in ("area", "function")]
        changes = [span for name, span in combo.items() if kinds[name] == "change"]
        return all(area in self._attached(change) for change in changes for area in areas)

    def _fronted(self, combo: Mapping[str, Match]) -> bool:
        """Areas in one clause, their changes in the next one that names no area of its own."""
        kinds = self.detector.kinds
        clauses = self.context.clauses
        areas = [span for name, span in combo.items() if kinds[name] in ("area", "function")]
        changes = [span for name, span in combo.items() if kinds[name] == "change"]
        if not areas or len(areas) + len(changes) != len(combo):
            return False
        return all(self._clause_with_areas(change) == clauses[area[0]] != clauses[change[0]]
                   for change in changes for area in areas)

    def _overlapping(self, combo: Mapping[str, Match]) -> bool:
        """Two words of a finding share tokens, except a change wrapped around its area
        ("no peri-anal or vaginal sensation", "not ... my bowels as often")."""
        kinds = self.detector.kinds
        items = list(combo.items())
        for i, (name_a, a) in enumerate(items):
            for name_b, b in items[i + 1:]:
                if not _overlap(a, b):
                    continue
                outer, inner = (a, b) if kinds[name_a] == "change" else (b, a)
                wrapped = {kinds[name_a], kinds[name_b]} == {"change", "area"} or \
                    {kinds[name_a], kinds[name_b]} == {"change", "function"}
                if not (wrapped and outer[0] < inner[0] and inner[1] < outer[1]):
                    return True
        return False

    def _attached(self, change: Match) -> set[Match]:
        """What a change word is about: the areas inside it, the nearest body area in its clause
        and those listed with it, and every function no farther away than a body area of its
        own list item.
        A change with no area or function in its clause is about those of the clause just
        before it in the sentence ("In my buttocks and thighs, I could feel pins and needles")."""
        clause = self._clause_with_areas(change)
        # Words inside the change are what it is about ("loss of bladder control"); the
        # nearest area outside it may be as well ("loss of muscle control in both legs").
        inner = {a for a in (*self.areas, *self.functions) if _inside(a, change)}
        areas = [a for a in self.areas if self.context.clauses[a[0]] == clause and a not in inner]
        functions = [f for f in self.functions if self.context.clauses[f[0]] == clause and f not in inner]
        distance = {span: self._distance(change, span) for span in (*areas, *functions)}
        nearest = min((distance[area] for area in areas), default=None)
        about = {area for area in areas if distance[area] == nearest}
        grown = True
        while grown:
            more = {area for area in areas if area not in about
                    and any(_overlap(area, known) or self._listed(area, known) for known in about)}
            about |= more
            grown = bool(more)
        # A body area behind a list joiner belongs to another item ("back pain and new
        # inability to keep an erection"): it does not keep a function away.
        own_item = [distance[a] for a in areas if not self._joined(change, a)]
        closest = min(own_item, default=None)
        near = {f for f in functions if closest is None or distance[f] <= closest}
        listed = {f for f in functions if any(self._listed(f, area) for area in about)}
        return inner | about | near | listed

    def _clause_with_areas(self, change: Match) -> int:
        clause = self.context.clauses[change[0]]
        if self._has_areas(clause) or clause == 0 or not self.context.same_sentence(clause - 1, clause):
            return clause
        return clause - 1 if self._has_areas(clause - 1) else clause

    def _has_areas(self, clause: int) -> bool:
        return any(self.context.clauses[start] == clause for start, _ in (*self.areas, *self.functions))

    def _joined(self, a: Match, b: Match) -> bool:
        first, second = sorted((a, b))
        return any(token.lower_ in self.detector.list_joiners for token in self.doc[first[1]:second[0]])

    def _distance(self, a: Match, b: Match) -> int:
        """Tokens between two matches; a list joiner counts as a long way ("numb foot, sore bum")."""
        first, second = sorted((a, b))
        between = self.doc[first[1]:second[0]] if first[1] < second[0] else []
        return sum(JOINER_DISTANCE if token.lower_ in self.detector.list_joiners else 1 for token in between)

    def _listed(self, a: Match, b: Match) -> bool:
        """Only list words ("and", ",", "my", "inner") between two areas."""
        first, second = sorted((a, b))
        between = self.doc[first[1]:second[0]]
        return len(between) > 0 and all(token.lemma_ in self.detector.list_words for token in between)

    def _looks_alike(self, rule: Mapping, line: Mapping, combo: Mapping[str, Match]) -> bool:
        """A look-alike in the same clause (or message), unless it is negated itself ("not dieting")."""
        clauses = {self.context.clauses[start] for start, _ in combo.values()}
        for name in (*rule["unless"], *line["unless"]):
            for match in self.matches.get(name, ()):
                if line["within"] == "clause" and self.context.clauses[match[0]] not in clauses:
                    continue
                if self.context.judge(rule["id"], [match], self.area_starts) != "negated":
                    return True
        return False

    def _about(self, rule: Mapping, combo: Mapping[str, Match]) -> bool:
        """One of the finding's own words is an `ask_when_about` match ("my right buttock")."""
        return any(_overlap(match, word) for name in rule["ask_when_about"]
                   for match in self.matches.get(name, ()) for word in combo.values())

    def _judge(self, rule: Mapping, combo: Mapping[str, Match], asking: bool = False) -> str | None:
        verdict = self.context.judge(rule["id"], list(combo.values()), self.area_starts)
        return "asked" if verdict is None and asking else verdict

    # -- spans

    def _span(self, combo: Mapping[str, Match], label: str) -> Span:
        return Span(self.doc, min(s for s, _ in combo.values()), max(e for _, e in combo.values()), label=label)

    def _mention(self, combo: Mapping[str, Match], label: str) -> Span:
        """The words the person used for the topic: its area or function, else its first word."""
        kinds = self.detector.kinds
        areas = [span for name, span in combo.items() if kinds[name] in ("area", "function")]
        start, end = min(areas) if areas else min(combo.values())
        return Span(self.doc, start, end, label=label)


def _overlap(a: Match, b: Match) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(inner: Match, outer: Match) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _longest_per_label(spans: Iterable[Span]) -> list[Span]:
    by_label: dict[str, list[Span]] = {}
    for span in spans:
        by_label.setdefault(span.label_, []).append(span)
    kept = [span for label in sorted(by_label) for span in filter_spans(by_label[label])]
    return sorted(kept, key=lambda span: (span.start, span.end, span.label_))


# The compiled lists expand to thousands of patterns built from a few hundred distinct
# token specs (the gap token alone recurs thousands of times). Stored and held as one
# table of specs plus index lists, they take a few MB in every server process.


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

    lists = {name: indices(patterns) for name, patterns in data["lists"].items()}
    context = [{**record, "patterns": indices(record["patterns"])} for record in data["context"]]
    return {**data, "tokens": table, "lists": lists, "context": context}


def _unpack(packed: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `_pack`; equal token specs come back as one shared dict."""
    table = packed["tokens"]

    def patterns(rows: list[list[int]]) -> list[TokenPattern]:
        return [[table[i] for i in row] for row in rows]

    data = {key: value for key, value in packed.items() if key != "tokens"}
    data["lists"] = {name: patterns(rows) for name, rows in packed["lists"].items()}
    data["context"] = [{**record, "patterns": patterns(record["patterns"])} for record in packed["context"]]
    return data


@Language.factory(
    COMPONENT_NAME,
    default_config={
        "spans_key": SPANS_KEY,
        "markers_key": MARKERS_SPANS_KEY,
        "negated_key": NEGATED_SPANS_KEY,
        "hints_key": HINTS_SPANS_KEY,
    },
    requires=["token.lemma"],
)
def make_red_flag_detector(nlp: Language, name: str, spans_key: str, markers_key: str, negated_key: str,
                           hints_key: str) -> RedFlagDetector:
    return RedFlagDetector(nlp.vocab, name, spans_key=spans_key, markers_key=markers_key,
                           negated_key=negated_key, hints_key=hints_key)


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
    detector = nlp.add_pipe(COMPONENT_NAME, last=True)
    detector.add_flags(compile_book(book, **_pipeline_text_functions(nlp)))


def make_triage_nlp() -> Language:
    """A blank English pipeline with the lemmatizer and the red-flag detector."""
    nlp = spacy.blank("en")
    add_domain_lemmatizer(nlp)
    add_red_flag_detector(nlp)
    return nlp
