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

STARTED_AGAIN_REPLY = (
    "I've started a new conversation and forgotten what you told me before. "
    "Tell me about your sciatica, or ask me about a stretch."
)

# Invisible characters: controls, zero-width and soft hyphens, bidi overrides and
# isolates, tags, and lone surrogates (which JSON allows but UTF-8 cannot store).
# Removed, not replaced, so "toi\u200blet paper" still reads as "toilet paper".
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000e0000-\U000e007f]"
)
_SPACES = re.compile(r"\s+")
# Only this much of a raw message is cleaned: enough for MAX_CHARS of text after
# invisible characters and runs of spaces are removed, and no work on megabytes.
RAW_CHARS = 8 * MAX_CHARS


@dataclass(frozen=True)
class GuardResult:
    text: str | None  # what goes to NLU; None means do not run NLU
    reply: str | None = None  # a message to the user before (or instead of) the bot's answer
    is_payload: bool = False
    typed_command: bool = False  # typed "/..." text: words for NLU, never a form answer


def as_text(value: object) -> str:
    """The message text of a request field: strings and numbers, anything else is empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _clean(text: str) -> str:
    # NFKC also folds look-alikes (full-width or bold letters) into plain ones.
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


def guard(text: object, offered_payloads: Collection[str] = ()) -> GuardResult:
    """Decide what of a raw message reaches NLU, and what to tell the user."""
    text = as_text(text)
    cleaned = _clean(text[:RAW_CHARS])
    if cleaned in offered_payloads or cleaned in CONTROL_PAYLOADS:
        return GuardResult(cleaned, is_payload=True)
    reply = TRUNCATED_NOTICE if len(text) > RAW_CHARS or len(cleaned) > MAX_CHARS else None
    if len(cleaned) > MAX_CHARS:
        cleaned = cleaned[:MAX_CHARS].rsplit(" ", 1)[0] or cleaned[:MAX_CHARS]
    # Typed slashes are text, not intents: strip them so NLU sees the words.
    typed_command = cleaned.startswith(INTENT_PREFIX)
    cleaned = cleaned.lstrip(INTENT_PREFIX).strip()
    if not cleaned:
        return GuardResult(None, EMPTY_REPLY)
    if not any(char.isalnum() for char in cleaned):
        return GuardResult(None, SYMBOLS_ONLY_REPLY)
    return GuardResult(cleaned, reply, typed_command=typed_command)
