"""Screening questions for red flags, and reading the answers.

People rarely volunteer cauda equina symptoms, so before offering exercises the bot
asks (red-flags.md, "Ask, don't wait"). The questions live in data/triage/screening.yml.
A "yes" means referral at the level of the flags the question covers; "not sure" to a
cauda equina question is treated the same way, since a miss costs more than a visit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sciatica import DATA_DIR
from sciatica.datafiles import DataFileError, load_yaml, require_fields, require_mapping, require_unique_ids
from sciatica.triage import RedFlagBook, load_red_flags

DEFAULT_SCREENING_PATH = DATA_DIR / "triage" / "screening.yml"
ANSWER_HINT = "reply yes, no, or not sure"
QUESTION_FIELDS = ("slot", "question", "flags", "cauda_equina", "ask", "after_hint")
ASK = ("always", "on_hint")

# Answer phrases, as lowercase words without apostrophes. Longer phrases win.
AMOUNT_PHRASES = (
    "a little", "a little bit", "a bit", "bit", "a tiny bit", "sometimes", "kind of", "kinda", "sort of",
    "sorta", "slightly", "occasionally", "once or twice", "now and then", "on and off", "partly",
    "somewhat", "mildly", "a touch", "some", "a lot", "lots", "loads", "quite a bit", "a fair bit",
)
UNSURE_PHRASES = (
    "not sure", "not really sure", "unsure", "dont know", "do not know", "idk", "dunno", "maybe",
    "possibly", "perhaps", "not certain", "no idea", "cant tell", "cannot tell", "hard to say",
    "hard to tell", "might be", "could be", "not 100", "im not sure", "i am not sure",
)
NO_PHRASES = (
    "no", "nope", "nah", "na", "never", "none", "not at all", "not really", "no way", "negative",
    "nothing", "definitely not", "not that i know of", "not that ive noticed", "not that i have noticed",
    "dont think so", "i dont think so", "i dont have", "i do not have", "i havent", "i have not",
    "havent noticed", "not a bit", "not even a bit", "not even a little", "not one bit", "not any",
)
YES_PHRASES = (
    "yes", "yeah", "yep", "yup", "ya", "yea", "yeh", "yh", "y", "aye", "definitely", "absolutely",
    "i think so", "think so", "probably", "sure", "yes i have", "yes i do", "of course",
)
# These only count as the whole reply: "I do." but not "I do stretches every day".
WHOLE_REPLY_YES = ("i do", "i have", "i am", "it does", "they do", "correct", "true", "right", "ok yes")
WHOLE_REPLY_NO = ("i dont", "i do not", "it doesnt", "they dont", "wrong", "false")
QUESTION_WORDS = frozenset(
    "what how which why where who whats hows can could should would is are does do will any".split()
)
SCAN_WORDS = 5  # an answer comes first: "no, just the left leg"


@dataclass(frozen=True)
class ScreeningQuestion:
    slot: str
    question: str
    flags: tuple[str, ...]
    cauda_equina: bool
    # "always": part of every screening; "on_hint": asked only when the topic came up.
    ask: str = "always"
    # The question right after the person mentioned its topic ("You mentioned ...").
    after_hint: str = ""

    @property
    def always(self) -> bool:
        return self.ask == "always"


def load_screening(
    path: Path | str = DEFAULT_SCREENING_PATH, book: RedFlagBook | None = None
) -> tuple[ScreeningQuestion, ...]:
    """Load the questions, checking slots, wording, flag ids and cauda-equina-first order."""
    path = Path(path)
    book = book or load_red_flags()
    data = require_mapping(path, load_yaml(path))
    entries = data.get("questions")
    if not isinstance(entries, list) or not entries:
        raise DataFileError(path, "'questions' must be a non-empty list", "questions")
    questions = []
    for entry in entries:
        require_mapping(path, entry, "questions")
        slot = str(entry.get("slot", "?"))
        require_fields(path, slot, entry, QUESTION_FIELDS[:3])
        questions.append(_question(path, slot, entry, book))
    require_unique_ids(path, entries, key="slot")
    _check_order(path, [question for question in questions if question.always])
    _check_every_serious_flag_asked(path, questions, book)
    return tuple(questions)


def _check_every_serious_flag_asked(path: Path, questions: list[ScreeningQuestion], book: RedFlagBook) -> None:
    """A hint about any emergency or urgent flag must have a question to ask."""
    asked = {flag for question in questions for flag in question.flags}
    missing = [flag.id for flag in book.flags.values() if flag.level != "gp" and flag.id not in asked]
    if missing:
        raise DataFileError(path, f"no question asks about the {book.flags[missing[0]].level} flag '{missing[0]}'", "questions")


def questions_for(flags: Iterable[str], questions: Iterable[ScreeningQuestion]) -> list[ScreeningQuestion]:
    """The questions whose "yes" covers any of these flags: those covering most of them first,
    then in the file's order ("my leg or foot": the foot question covers both hints)."""
    wanted = set(flags)
    found = [question for question in questions if wanted & set(question.flags)]
    return sorted(found, key=lambda question: -len(wanted & set(question.flags)))


def _question(path: Path, slot: str, entry: dict, book: RedFlagBook) -> ScreeningQuestion:
    unknown_fields = sorted(set(entry) - set(QUESTION_FIELDS))
    if unknown_fields:
        raise DataFileError(path, f"unknown field(s): {', '.join(unknown_fields)}", slot)
    if not re.fullmatch(r"screen_[a-z0-9_]+", slot):
        raise DataFileError(path, "slot must be snake_case and start with 'screen_'", slot)
    if not isinstance(entry.get("cauda_equina"), bool):
        raise DataFileError(path, "cauda_equina must be true or false", slot)
    ask = entry.get("ask", "always")
    if ask not in ASK:
        raise DataFileError(path, f"ask must be one of {', '.join(ASK)}, got {ask!r}", slot)
    question = " ".join(str(entry["question"]).split())
    after_hint = " ".join(str(entry.get("after_hint") or entry["question"]).split())
    for text in (question, after_hint):
        if ANSWER_HINT not in text.lower():
            raise DataFileError(path, f"the question must say how to answer ('{ANSWER_HINT}')", slot)
    flags = entry["flags"]
    if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
        raise DataFileError(path, "flags must be a list of red-flag ids", slot)
    for flag in flags:
        if flag not in book.flags:
            raise DataFileError(path, f"unknown red-flag id '{flag}'", slot)
    return ScreeningQuestion(slot=slot, question=question, flags=tuple(flags), cauda_equina=entry["cauda_equina"],
                             ask=ask, after_hint=after_hint)


def _check_order(path: Path, questions: list[ScreeningQuestion]) -> None:
    """Of the questions every screening asks, the cauda equina ones come first."""
    seen_other = False
    for question in questions:
        if question.cauda_equina and seen_other:
            raise DataFileError(path, "cauda equina questions must come first", question.slot)
        seen_other = seen_other or not question.cauda_equina


def parse_answer(text: str) -> str | None:
    """'yes', 'no' or 'unsure' for a reply to a screening question; None if it is no answer.

    Any positive amount counts as yes ("a bit", "sometimes"); "yes" and "no" together
    is unsure. A question back ("what stretch for piriformis?") is no answer.
    """
    words = _words(text)
    if not words:
        return None
    whole = " ".join(words)
    if whole in WHOLE_REPLY_YES:
        return "yes"
    if whole in WHOLE_REPLY_NO:
        return "no"
    found = _phrases_found(words[:SCAN_WORDS])
    if not found or (words[0] in QUESTION_WORDS and found[0][0] != 0):
        return None
    kinds = {kind for _, kind in found}
    if "amount" in kinds:
        return "yes"
    if "unsure" in kinds or {"yes", "no"} <= kinds:
        return "unsure"
    return "yes" if "yes" in kinds else "no"


def _words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("'", "")
    return re.findall(r"[a-z0-9]+", text)


_PHRASES = sorted(
    [(tuple(p.split()), kind) for kind, phrases in (
        ("amount", AMOUNT_PHRASES), ("unsure", UNSURE_PHRASES), ("no", NO_PHRASES), ("yes", YES_PHRASES),
    ) for p in phrases],
    key=lambda item: -len(item[0]),
)


def _phrases_found(words: list[str]) -> list[tuple[int, str]]:
    """(position, kind) of answer phrases, longest first at each position."""
    found, i = [], 0
    while i < len(words):
        for phrase, kind in _PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.append((i, kind))
                i += len(phrase)
                break
        else:
            i += 1
    return found


def needs_referral(question: ScreeningQuestion, answer: str | None) -> bool:
    """Yes refers; "not sure" refers only for cauda equina questions."""
    if answer == "yes":
        return True
    return answer == "unsure" and question.cauda_equina


def referral_level(question: ScreeningQuestion, answer: str | None, book: RedFlagBook) -> str | None:
    """The referral level this answer calls for, or None."""
    return book.level_of(question.flags) if needs_referral(question, answer) else None
