"""A table-driven lemmatizer for the words people use about back pain and sciatica.

No lemma data package is available to the project, so the table lives in
data/nlp/lemmas.yml. Every lemma is lowercase: patterns over LEMMA then match
"PEED", "Peed" and "peed" alike. A few long domain words ("bladder", "numbness")
also accept one typing slip, because a missed red flag costs more than a wrong guess.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import srsly
from spacy.attrs import NORM, ORTH
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from sciatica import DATA_DIR
from sciatica.datafiles import DataFileError, load_yaml, require_mapping

DEFAULT_LEMMAS_PATH = DATA_DIR / "nlp" / "lemmas.yml"
COMPONENT_NAME = "domain_lemmatizer"


def load_lemma_table(path: Path | str = DEFAULT_LEMMAS_PATH) -> dict[str, str]:
    """Read the `lemmas:` section as a form -> lemma table (each lemma maps to itself)."""
    path = Path(path)
    data = require_mapping(path, load_yaml(path))
    lemmas = require_mapping(path, data.get("lemmas"), "lemmas")
    table: dict[str, str] = {}
    for lemma, forms in lemmas.items():
        _require_word(path, lemma, lemma)
        if forms is None:
            forms = []
        if not isinstance(forms, list):
            raise DataFileError(path, "forms must be a list of words", str(lemma))
        for form in [lemma, *forms]:
            _require_word(path, form, lemma)
            known = table.get(form)
            if known is not None and known != lemma:
                raise DataFileError(path, f"'{form}' is listed under both '{known}' and '{lemma}'", lemma)
            table[form] = lemma
    return table


def load_fuzzy_settings(path: Path | str = DEFAULT_LEMMAS_PATH) -> dict[str, Any]:
    """Read the optional `fuzzy:` section: words that tolerate one typing slip."""
    path = Path(path)
    data = require_mapping(path, load_yaml(path))
    fuzzy = data.get("fuzzy") or {}
    require_mapping(path, fuzzy, "fuzzy")
    words = fuzzy.get("words") or []
    protected = fuzzy.get("protected") or []
    min_length = fuzzy.get("min_length", 6)
    if not isinstance(min_length, int) or min_length < 4:
        raise DataFileError(path, "min_length must be an integer of at least 4", "fuzzy")
    for word in [*words, *protected]:
        _require_word(path, word, "fuzzy")
    return {"words": list(words), "protected": list(protected), "min_length": min_length}


def _require_word(path: Path, word: Any, entry: str) -> None:
    if not isinstance(word, str) or not word or word != word.lower() or " " in word:
        raise DataFileError(path, f"expected a lowercase single word, got {word!r}", str(entry))


def within_one_edit(a: str, b: str) -> bool:
    """True if `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


# Words the table does not list are cut to a stem, the same way in messages and in the
# rules' word lists, so "gained", "gains" and "gain" meet ("relieved" and "relieve" too).
# Endings that are no inflection are left alone ("less", "bus", "this", "need").
NOT_INFLECTED = ("ss", "us", "is", "'s", "’s", "eed")
MIN_STEM = 3


def _stem(lower: str) -> str:
    """A light suffix-stripping stem of a word the table does not know."""
    word = lower.removesuffix("(s)").removesuffix("(s")  # "leg(s)"
    if word != lower or not word.isalpha() or word.endswith(NOT_INFLECTED):
        return word
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= MIN_STEM:
            word = word[: len(word) - len(suffix)] + replacement
            break
    if len(word) > MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "stopped" -> "stop"
    return word[:-1] if len(word) > MIN_STEM and word.endswith("e") else word


class DomainLemmatizer:
    """Sets `token.lemma_` from a lookup table: table.get(lower, lower)."""

    def __init__(self, nlp: Language, name: str = COMPONENT_NAME):
        self.name = name
        self.table: dict[str, str] = {}
        self.fuzzy: dict[str, Any] = {"words": [], "protected": [], "min_length": 6}
        self._rebuild()

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            token.lemma_ = self.lemmatize(token.lower_)
        return doc

    def lemmatize(self, lower: str) -> str:
        lemma = self.table.get(lower)
        if lemma is not None:
            return lemma
        corrected = self._correct(lower)
        if corrected != lower:
            return corrected
        stem = _stem(lower)
        return self.table.get(stem, stem)

    def initialize(
        self,
        get_examples: Callable[[], Iterable] | None = None,
        *,
        nlp: Language | None = None,
        table: Mapping[str, str] | None = None,
        fuzzy: Mapping[str, Any] | None = None,
    ) -> None:
        """Fill the table; called without data it keeps what is already loaded."""
        if table is not None or fuzzy is not None:
            self.add_table(table or {}, fuzzy=fuzzy)

    def add_table(self, table: Mapping[str, str], *, fuzzy: Mapping[str, Any] | None = None) -> None:
        self.table.update({form.lower(): lemma.lower() for form, lemma in table.items()})
        if fuzzy is not None:
            self.fuzzy = {
                "words": list(fuzzy.get("words", [])),
                "protected": list(fuzzy.get("protected", [])),
                "min_length": int(fuzzy.get("min_length", 6)),
            }
        self._rebuild()

    def _rebuild(self) -> None:
        # A new cache per table: corrections depend on the words known.
        words = tuple(self.fuzzy["words"])
        protected = frozenset(self.fuzzy["protected"])
        min_length = self.fuzzy["min_length"]
        table = self.table

        @lru_cache(maxsize=4096)
        def correct(lower: str) -> str:
            if len(lower) < min_length or lower in protected or not lower.isalpha():
                return lower
            for word in words:
                if within_one_edit(lower, word):
                    return table.get(word, word)
            return lower

        self._correct = correct

    # Serialisation: the table travels with the saved pipeline.
    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.msgpack_dumps({"table": self.table, "fuzzy": self.fuzzy})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "DomainLemmatizer":
        data = srsly.msgpack_loads(bytes_data)
        self.table = {}
        self.add_table(data["table"], fuzzy=data["fuzzy"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "lemmas.json", {"table": self.table, "fuzzy": self.fuzzy})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> "DomainLemmatizer":
        data = srsly.read_json(ensure_path(path) / "lemmas.json")
        self.table = {}
        self.add_table(data["table"], fuzzy=data["fuzzy"])
        return self


@Language.factory(COMPONENT_NAME, assigns=["token.lemma"])
def make_domain_lemmatizer(nlp: Language, name: str) -> DomainLemmatizer:
    return DomainLemmatizer(nlp, name)


def add_uppercase_contractions(nlp: Language) -> None:
    """Split "CAN'T" and "DIDNT" like "can't" and "didnt": the English rules only know lower and title case."""
    for orth, pieces in list(nlp.tokenizer.rules.items()):
        upper = orth.upper()
        if len(pieces) < 2 or upper == orth or upper in nlp.tokenizer.rules:
            continue
        if not all(ch.isalpha() or ch in "'’" for ch in orth):
            continue
        split = [{ORTH: piece[ORTH].upper(), **({NORM: piece[NORM]} if NORM in piece else {})} for piece in pieces]
        if "".join(piece[ORTH] for piece in split) == upper:
            nlp.tokenizer.add_special_case(upper, split)


def add_domain_lemmatizer(nlp: Language, table_path: Path = DEFAULT_LEMMAS_PATH) -> None:
    """Add the lemmatizer first in the pipeline and fill it from `table_path`."""
    add_uppercase_contractions(nlp)
    lemmatizer = nlp.add_pipe(COMPONENT_NAME, first=True)
    lemmatizer.add_table(load_lemma_table(table_path), fuzzy=load_fuzzy_settings(table_path))
