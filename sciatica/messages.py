"""The texts and buttons the custom actions send, from data/messages.yml."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from sciatica import DATA_DIR
from sciatica.datafiles import DataFileError, load_yaml, require_mapping

DEFAULT_MESSAGES_PATH = DATA_DIR / "messages.yml"
REQUIRED_MESSAGES = (
    "not_in_catalog", "exercises_paused_after_emergency", "answer_yes_no", "safety_note",
    "other_exercises", "all_clear", "which_exercise", "which_option", "screening_answer_hint",
    "hint_intro", "hint_all_clear", "hint_all_clear_then_answer", "summary_unavailable",
)
REQUIRED_BUTTONS = ("not_in_catalog", "screening_answers", "check_symptoms", "capabilities")


@dataclass(frozen=True)
class Messages:
    texts: Mapping[str, str]
    buttons: Mapping[str, tuple[dict, ...]]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]


def _buttons(path: Path, key: str, raw: object) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not raw:
        raise DataFileError(path, "expected a non-empty list of buttons", f"buttons.{key}")
    for button in raw:
        if not isinstance(button, dict) or not button.get("title") or not button.get("payload"):
            raise DataFileError(path, "every button needs a title and a payload", f"buttons.{key}")
    return tuple(dict(button) for button in raw)


def load_messages(path: Path = DEFAULT_MESSAGES_PATH) -> Messages:
    data = require_mapping(path, load_yaml(path))
    texts = require_mapping(path, data.get("messages"), "messages")
    buttons = require_mapping(path, data.get("buttons"), "buttons")
    for key in REQUIRED_MESSAGES:
        if not isinstance(texts.get(key), str) or not texts[key].strip():
            raise DataFileError(path, "missing or empty message", f"messages.{key}")
    if "{mention}" not in texts["hint_intro"]:
        raise DataFileError(path, "must say where the person's words go: {mention}", "messages.hint_intro")
    return Messages(
        texts=MappingProxyType({key: " ".join(str(texts[key]).split()) for key in texts}),
        buttons=MappingProxyType({key: _buttons(path, key, buttons.get(key)) for key in REQUIRED_BUTTONS}),
    )
