"""Which messages of the development set (tests/nlu_external.yml) may be training examples.

The development set's words were written by others, like data/nlu/public_*.yml, and its
misses have been read since round 4, so it no longer measures the model honestly as a
whole. Its messages that nothing else held out could leak through become training
examples (data/nlu/public_development_set.yml, written by
scripts/public_development_set.py); `make eval` scores them by cross-validation, with the
fold's model that did not see them. A message stays out, in this order, when:

- its intent is a red-flag one (measured, round 12: the development set's 12 eligible
  red-flag messages pushed a look-alike of our own, "I dropped a weight on my foot at the
  gym", over the model's safe threshold, and cost 4 red flags caught at their level; without
  them the red-flag sets stay as they were and the folds and the development set score higher);
- its page was used by another held-out set (a page is one author's voice);
- its site is one of the fresh held-out sets' (tests/nlu_external_fresh.yml, tests/triage/fresh/);
- the blind second labelling gives it another intent (an ambiguous label teaches noise);
- it is close to a message of another held-out set (difflib ratio ≥ NEAR_MATCH,
  after normalising: a common FAQ heading appears on many sites);
- its page already gave PER_PAGE_INTENT examples of its intent, or its site PER_SITE
  (the caps of every public training file, DEVELOPERS.md "NLU data").
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlparse

import yaml

# Relative to the project's root; written by scripts/public_development_set.py.
TRAINING_FILE = Path("data") / "nlu" / "public_development_set.yml"
NEAR_MATCH = 0.85
PER_PAGE_INTENT = 2
PER_SITE = 8
# Their training examples stay those of data/nlu's other files (see above).
RED_FLAG_INTENTS = frozenset({"red_flag_emergency", "red_flag_urgent", "red_flag_gp"})
REASONS = ("red-flag intent", "page of another held-out set", "site of a fresh set", "second labelling differs",
           "close to another held-out message", "page or site cap")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    source: str


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower().replace("’", "'")).split())


def site(url: str) -> str:
    return urlparse(url).netloc.lower().removeprefix("www.")


def urls_in(node) -> set[str]:
    """Every URL anywhere in a loaded YAML document."""
    if isinstance(node, dict):
        return set().union(*(urls_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(urls_in(value) for value in node))
    return {node} if isinstance(node, str) and node.startswith("http") else set()


def read_examples(path: Path) -> list[Example]:
    """The examples of an NLU file written with `metadata.source` on each (as the external sets are)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        for item in block["examples"]:
            source = (item.get("metadata") or {}).get("source")
            if not (isinstance(item, dict) and item.get("text") and source):
                raise ValueError(f"{path}: intent {block.get('intent')}: every example needs text and metadata.source")
            examples.append(Example(item["text"], block["intent"], source))
    return examples


def select(development: Sequence[Example], other_pages: set[str], fresh_sites: set[str],
           second_labels: dict[str, str], other_texts: Iterable[str]) -> tuple[list[Example], Counter]:
    """The eligible examples, in file order, and how many were left out for each reason."""
    others = [normalised(text) for text in other_texts]
    kept: list[Example] = []
    dropped: Counter = Counter()
    per_page_intent: Counter = Counter()
    per_site: Counter = Counter()
    for example in development:
        reason = _reason_to_leave_out(example, other_pages, fresh_sites, second_labels, others)
        if reason is None and (per_page_intent[example.source, example.intent] >= PER_PAGE_INTENT
                               or per_site[site(example.source)] >= PER_SITE):
            reason = REASONS[5]
        if reason:
            dropped[reason] += 1
            continue
        kept.append(example)
        per_page_intent[example.source, example.intent] += 1
        per_site[site(example.source)] += 1
    return kept, dropped


def _reason_to_leave_out(example: Example, other_pages: set[str], fresh_sites: set[str],
                         second_labels: dict[str, str], others: list[str]) -> str | None:
    if example.intent in RED_FLAG_INTENTS:
        return REASONS[0]
    if example.source in other_pages:
        return REASONS[1]
    if site(example.source) in fresh_sites:
        return REASONS[2]
    if second_labels.get(example.text) != example.intent:
        return REASONS[3]
    text = normalised(example.text)
    matcher = difflib.SequenceMatcher(a=text, autojunk=False)
    for other in others:
        matcher.set_seq2(other)
        if matcher.real_quick_ratio() >= NEAR_MATCH and matcher.quick_ratio() >= NEAR_MATCH \
                and matcher.ratio() >= NEAR_MATCH:
            return REASONS[4]
    return None


def training_yaml(examples: Sequence[Example], header: str) -> str:
    """A Rasa NLU file of the examples, intents in first-seen order, each with its page."""
    by_intent: dict[str, list[Example]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    nlu = [{"intent": intent, "examples": [{"text": e.text, "metadata": {"source": e.source}} for e in group]}
           for intent, group in by_intent.items()]
    body = yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False, allow_unicode=True, width=1000)
    return "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body
