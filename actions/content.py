"""The content the actions answer from, loaded once and checked at start."""
from __future__ import annotations

from dataclasses import dataclass

from sciatica.answer_matching import TopicMatcher
from sciatica.catalog import Catalog, load_catalog
from sciatica.matching import ExerciseMatcher
from sciatica.messages import Messages, load_messages
from sciatica.sciatica_answers import SciaticaAnswers, load_answers
from sciatica.screening import ScreeningQuestion, load_screening
from sciatica.summary import SummaryTexts, load_summary_texts
from sciatica.triage import RedFlagBook, load_red_flags


@dataclass(frozen=True)
class Content:
    catalog: Catalog
    matcher: ExerciseMatcher
    red_flags: RedFlagBook
    messages: Messages
    screening: tuple[ScreeningQuestion, ...]
    summary: SummaryTexts
    answers: SciaticaAnswers
    topics: TopicMatcher

    @property
    def screening_slots(self) -> frozenset[str]:
        return frozenset(question.slot for question in self.screening)

    def screening_question(self, slot: str) -> ScreeningQuestion:
        return next(question for question in self.screening if question.slot == slot)


def load_content() -> Content:
    catalog = load_catalog()
    red_flags = load_red_flags()
    answers = load_answers(catalog=catalog)
    return Content(
        catalog=catalog,
        matcher=ExerciseMatcher(catalog),
        red_flags=red_flags,
        messages=load_messages(),
        screening=load_screening(book=red_flags),
        summary=load_summary_texts(book=red_flags),
        answers=answers,
        topics=TopicMatcher(answers),
    )


content = load_content()
