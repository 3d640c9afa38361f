"""Which topic of data/answers/sciatica.yml a question about sciatica is about.

Plain word matching, no model: each topic lists words and phrases (`match`); a word ending
in `*` matches any word it starts. The topic with the most matched words wins, ties going to
the one listed first; a `first` topic (pregnancy, medicines) wins whenever it matches, so
such a question is never answered as another topic. No match: None (the caller then lists
the topics it can answer).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .sciatica_answers import SciaticaAnswers, Topic, default_answers


def words_of(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    return re.findall(r"[a-z0-9&]+(?:'[a-z]+)?", text)


@lru_cache(maxsize=None)
def _pattern_parts(pattern: str) -> tuple[tuple[str, ...], bool]:
    """A pattern's words, and whether its last word is a prefix (a few hundred patterns)."""
    parts = words_of(pattern.rstrip("*")) if "*" not in pattern[:-1] else words_of(pattern)
    return tuple(parts), pattern.endswith("*")


def _pattern_matches(pattern: str, words: list[str]) -> int:
    """How many words the pattern matched (0 when it does not occur)."""
    parts, prefix_last = _pattern_parts(pattern)
    if not parts:
        return 0
    parts = list(parts)  # compared with slices of `words`, a list (a tuple never equals one)
    size = len(parts)
    for start in range(len(words) - size + 1):
        window = words[start:start + size]
        if window[:-1] != parts[:-1]:
            continue
        last_ok = window[-1].startswith(parts[-1]) if prefix_last else window[-1] == parts[-1]
        if last_ok:
            return size
    return 0


@dataclass(frozen=True)
class TopicMatch:
    topic: Topic
    score: int
    matched: tuple[str, ...]


class TopicMatcher:
    def __init__(self, answers: SciaticaAnswers | None = None) -> None:
        self.answers = answers or default_answers()
        replacing = [topic for topic in self.answers if topic.instead_of_exercises]

        @lru_cache(maxsize=8192)
        def replacing_topic(text: str) -> Topic | None:
            words = words_of(text)
            return next((t for t in replacing if any(_pattern_matches(p, words) for p in t.match)), None)

        self._replacing_topic = replacing_topic

    def scores(self, text: str) -> list[TopicMatch]:
        words = words_of(text)
        found = []
        for topic in self.answers:
            matched = [p for p in topic.match if _pattern_matches(p, words)]
            if matched:
                found.append(TopicMatch(topic, sum(_pattern_matches(p, words) for p in matched), tuple(matched)))
        return found

    def instead_of_exercises(self, texts: Iterable[str]) -> Topic | None:
        """The topic that must replace any exercise ("I'm pregnant"), if one of the texts names it.

        Asked on every exercise answer about every message of the conversation so far:
        each text is matched once, against those topics only (it took most of the action
        server's time at turn 100)."""
        for text in texts:
            topic = self._replacing_topic(text)
            if topic is not None:
                return topic
        return None

    def match(self, text: str) -> Topic | None:
        found = self.scores(text)
        if not found:
            return None
        first = [m for m in found if m.topic.first]
        if first:
            return first[0].topic
        order = {topic.id: index for index, topic in enumerate(self.answers)}
        return max(found, key=lambda m: (m.score, -order[m.topic.id])).topic
