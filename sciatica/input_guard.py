"""Clean a user's message before NLU, with a kind reply where it cannot be used.

Runs in every input channel. Typed text starting with "/" would otherwise be
parsed by Rasa as an intent with entities (skipping NLU and the red-flag
detector), so only the button payloads the bot itself offered keep their "/".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Collection

MAX_CHARS = 1000
INTENT_PREFIX = "/"
# Payloads the page's own controls send, always allowed.
RESTART_PAYLOAD = "/restart"
CONTROL_PAYLOADS = frozenset({RESTART_PAYLOAD, "/greet"})

EMPTY_REPLY = (
    "I didn't catch anything there. Tell me about your sciatica, or ask me about "
    "a stretch, for example \"what stretch for piriformis?\""
)
SYMBOLS_ONLY_REPLY = (
    "I can only read words, not emoji or symbols. Could you tell me in a few words "
    "what you'd like help with?"
)
TRUNCATED_NOTICE = (
    f"That was a long message, so I read the first {MAX_CHARS} characters. "
    "If something important came later, please send it as a separate message."
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class GuardResult:
    text: str | None  # what goes to NLU; None means do not run NLU
    reply: str | None = None  # a message to the user before (or instead of) the bot's answer
    is_payload: bool = False
    typed_command: bool = False  # typed "/..." text: words for NLU, never a form answer


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def guard(text: object, offered_payloads: Collection[str] = ()) -> GuardResult:
    """Decide what of a raw message reaches NLU, and what to tell the user."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    cleaned = _clean(text)
    if cleaned in offered_payloads or cleaned in CONTROL_PAYLOADS:
        return GuardResult(cleaned, is_payload=True)
    reply = None
    if len(cleaned) > MAX_CHARS:
        cleaned = cleaned[:MAX_CHARS].rsplit(" ", 1)[0] or cleaned[:MAX_CHARS]
        reply = TRUNCATED_NOTICE
    # Typed slashes are text, not intents: strip them so NLU sees the words.
    typed_command = cleaned.startswith(INTENT_PREFIX)
    cleaned = cleaned.lstrip(INTENT_PREFIX).strip()
    if not cleaned:
        return GuardResult(None, EMPTY_REPLY)
    if not any(char.isalnum() for char in cleaned):
        return GuardResult(None, SYMBOLS_ONLY_REPLY)
    return GuardResult(cleaned, reply, typed_command=typed_command)
