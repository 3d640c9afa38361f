"""The content the actions answer from, loaded once and checked at start."""
from __future__ import annotations

from dataclasses import dataclass

from sciatica.catalog import Catalog, load_catalog
from sciatica.matching import ExerciseMatcher
from sciatica.triage import RedFlagBook, load_red_flags


@dataclass(frozen=True)
class Content:
    catalog: Catalog
    matcher: ExerciseMatcher
    red_flags: RedFlagBook


def load_content() -> Content:
    catalog = load_catalog()
    return Content(catalog=catalog, matcher=ExerciseMatcher(catalog), red_flags=load_red_flags())


content = load_content()
