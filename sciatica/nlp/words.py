"""The word language of data/triage/red_flags.yml, compiled into spaCy Matcher patterns.

    word      its lemma          a|b      one of these words     =word   exact form
    word?     optional           ...N     up to N tokens (3)     $name   another list
    /regex/   one token whose lowercase text matches (also as one of a|b: "/^\\d+$/|=two")

Words are lemmatized by the pipeline's own lemmatizer, so a pattern and a message
agree on what "legs", "can't" or "peeing" become.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any, Callable, Iterable, Mapping

TokenPattern = list[dict[str, Any]]
Convert = Callable[[str], list[str]]

DEFAULT_GAP = 3
MAX_PATTERNS_PER_PHRASE = 5000
_GAP = re.compile(r"\.\.\.(\d+)?")


class PatternError(ValueError):
    """A phrase of the word language cannot be compiled."""


class WordCompiler:
    """Compiles phrases and named word lists into token patterns."""

    def __init__(self, lists: Mapping[str, Iterable[str]], *, lemmatize: Convert, lowercase: Convert,
                 sentence_ends: Iterable[str]):
        self.lists = lists
        self.lemmatize = lemmatize
        self.lowercase = lowercase
        # A gap never runs across the end of a sentence or a line.
        self.gap_token = {"LOWER": {"NOT_IN": sorted(set(sentence_ends))}, "IS_SPACE": False, "OP": "?"}
        self._resolved: dict[str, list[TokenPattern]] = {}
        self._resolving: set[str] = set()

    def list_patterns(self, name: str) -> list[TokenPattern]:
        """Every pattern of the word list `name`."""
        if name in self._resolved:
            return copy.deepcopy(self._resolved[name])
        if name not in self.lists:
            raise PatternError(f"unknown word list '${name}'")
        if name in self._resolving:
            raise PatternError(f"word list '${name}' refers to itself")
        self._resolving.add(name)
        try:
            patterns = [pattern for text in self.lists[name] for pattern in self._phrase(text, name)]
        finally:
            self._resolving.discard(name)
        self._resolved[name] = _merge(patterns)
        return copy.deepcopy(self._resolved[name])

    def phrase(self, text: str) -> list[TokenPattern]:
        return self._phrase(text, "cue")

    def _phrase(self, text: str, where: str) -> list[TokenPattern]:
        try:
            patterns = [seq for seq in self._sequence(text.split()) if any(t.get("OP") != "?" for t in seq)]
        except PatternError as error:
            raise PatternError(f"{error} in {text!r}") from None
        if not patterns:
            raise PatternError(f"{text!r} matches nothing")
        return _unique(patterns)

    def _sequence(self, items: list[str]) -> list[TokenPattern]:
        if not items:
            raise PatternError("empty phrase")
        sequences: list[TokenPattern] = [[]]
        for position, item in enumerate(items):
            gap = _GAP.fullmatch(item)
            if gap:
                if position in (0, len(items) - 1):
                    raise PatternError("a gap must stand between two words")
                sequences = [seq + [dict(self.gap_token) for _ in range(int(gap.group(1) or DEFAULT_GAP))]
                             for seq in sequences]
                continue
            alternatives = self._item(item)
            sequences = [seq + alternative for seq in sequences for alternative in alternatives]
            if len(sequences) > MAX_PATTERNS_PER_PHRASE:
                raise PatternError("phrase expands to too many patterns")
        return sequences

    def _item(self, item: str) -> list[TokenPattern]:
        optional = len(item) > 1 and item.endswith("?") and not item.startswith("/")
        item = item[:-1] if optional else item
        alternatives = _merge([seq for word in _alternatives(item) for seq in self._word(word)])
        return alternatives + [[]] if optional else alternatives

    def _word(self, word: str) -> list[TokenPattern]:
        if not word:
            raise PatternError("empty alternative")
        if _is_regex(word):
            _check_regex(word[1:-1])
            return [[{"LOWER": {"REGEX": word[1:-1]}}]]
        if _opens_regex(word):
            raise PatternError(f"unclosed regular expression {word!r}")
        if word.startswith("$"):
            return self.list_patterns(word[1:])
        if word.startswith("="):
            return [[{"LOWER": token} for token in _tokens(self.lowercase, word[1:])]]
        return [[{"LEMMA": token} for token in _tokens(self.lemmatize, word)]]


def _is_regex(word: str) -> bool:
    return len(word) > 2 and word.startswith("/") and word.endswith("/")


def _alternatives(item: str) -> list[str]:
    """The words of "a|b|c"; a /regex/ among them keeps its own "|" ("/^(ft|m)$/|=two")."""
    if _is_regex(item):
        return [item]
    words: list[str] = []
    for part in item.split("|"):
        if words and _opens_regex(words[-1]):
            words[-1] += "|" + part
        else:
            words.append(part)
    return words


def _opens_regex(word: str) -> bool:
    """A regex begun and not yet closed (a lone "/" is the word "/")."""
    return len(word) > 1 and word.startswith("/") and not _is_regex(word)


def _tokens(convert: Convert, word: str) -> list[str]:
    tokens = convert(word)
    if not tokens:
        raise PatternError(f"no token in {word!r}")
    return tokens


def _check_regex(expression: str) -> None:
    try:
        re.compile(expression)
    except re.error as error:
        raise PatternError(f"bad regular expression /{expression}/: {error}") from None


def _merge(alternatives: list[TokenPattern]) -> list[TokenPattern]:
    """Fold one-token alternatives into one {"LEMMA": {"IN": [...]}} token per attribute."""
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
    merged = [[{attr: values[0] if len(values) == 1 else {"IN": values}}]
              for attr, values in ((attr, sorted(set(v))) for attr, v in by_attr.items()) if values]
    return merged + _unique(rest)


def _unique(patterns: list[TokenPattern]) -> list[TokenPattern]:
    seen: dict[str, TokenPattern] = {}
    for pattern in patterns:
        seen.setdefault(json.dumps(pattern, sort_keys=True), pattern)
    return list(seen.values())


def plain_words(text: str) -> list[str]:
    """A stand-in lemmatizer for checking a data file without a pipeline."""
    return text.lower().split()
