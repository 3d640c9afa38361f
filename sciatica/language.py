"""A small, dependency-free check that a message is written in English.

The bot only understands English; other languages get a kind reply instead of a
wrong guess. Unknown cases count as English, so nothing is refused by mistake:
the NLU fallback still asks to rephrase.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sciatica import DATA_DIR
from sciatica.datafiles import DataFileError, load_yaml, require_mapping

LANGUAGES_PATH = DATA_DIR / "nlp" / "languages.yml"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=None)
def load_word_lists(path: Path = LANGUAGES_PATH) -> tuple[frozenset, dict[str, frozenset]]:
    """The English and other-language word lists, checked; cached after the first load.

    Loaded by the NLU component at start, so a broken file stops the server then
    instead of failing every message later.
    """
    data = require_mapping(path, load_yaml(path))
    english = data.get("english")
    others = require_mapping(path, data.get("others"), "others")
    if not english or not others:
        raise DataFileError(path, "needs 'english' and 'others' word lists")
    return _words(path, "english", english), {
        str(name): _words(path, f"others.{name}", words) for name, words in others.items()
    }


def _words(path: Path, entry: str, words: object) -> frozenset:
    if not isinstance(words, list) or not words or not all(isinstance(word, str) for word in words):
        raise DataFileError(path, "expected a non-empty list of words", entry)
    return frozenset(word.lower() for word in words)


def _is_latin(char: str) -> bool:
    return char.isascii() or "\u00c0" <= char <= "\u024f"


def looks_english(text: str | None) -> bool:
    letters = [char for char in text or "" if char.isalpha()]
    if not letters:
        return True
    if sum(not _is_latin(char) for char in letters) > len(letters) / 2:
        return False
    words = {word.lower() for word in _WORD.findall(text or "")}
    english, others = load_word_lists()
    english_hits = len(words & english)
    best_other = max(len(words & vocabulary) for vocabulary in others.values())
    return not (best_other >= 2 and best_other > english_hits)
