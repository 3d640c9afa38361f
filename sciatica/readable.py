"""One bot message as one readable chat bubble, for clients that draw no cards.

The bot sends each custom payload (see DEVELOPERS.md) next to a text that says
the same in words, and the channels used to split that text at blank lines:
an exercise reached rasa-webchat as seven bubbles and an ignored payload. Here a
message stays one bubble: its whole text, with its buttons. A payload is turned
into words only when no text came with it, so a new payload type needs nothing
here; an exercise gets its name, numbered steps, dosage and caution.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

DOSAGE_LABELS = (("hold", "Hold"), ("reps", "Repetitions"), ("frequency", "How often"))


@dataclass(frozen=True)
class ReadableReply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def readable_reply(message: Mapping[str, Any]) -> ReadableReply | None:
    """The bubble for one bot message, or None when it has nothing to show as text."""
    text = _text(message.get("text")).strip()
    if not text:
        text = payload_text(message.get("custom"))
    buttons = [
        {"title": _text(b.get("title")), "payload": _text(b.get("payload"))}
        for b in (message.get("buttons") or message.get("quick_replies") or [])
        if isinstance(b, Mapping) and _text(b.get("title")) and _text(b.get("payload"))
    ]
    if not text and not buttons:
        return None
    return ReadableReply(text=text, buttons=buttons)


def payload_text(payload: Any) -> str:
    """A payload in words, for a message that carries no text of its own."""
    if not isinstance(payload, Mapping):
        return ""
    if payload.get("type") == "exercise":
        return exercise_text(payload)
    return _text(payload.get("text")).strip()


def exercise_text(payload: Mapping[str, Any]) -> str:
    paragraphs = [_text(payload.get("name")).strip()]
    steps = [_text(step).strip() for step in payload.get("steps") or [] if _text(step).strip()]
    paragraphs.append("\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1)))
    paragraphs.append("\n".join(
        f"{label}: {_text(payload.get(key)).strip()}." for key, label in DOSAGE_LABELS if _text(payload.get(key)).strip()
    ))
    if _text(payload.get("caution")).strip():
        paragraphs.append(f"Take care: {_text(payload.get('caution')).strip()}")
    return "\n\n".join(p for p in paragraphs if p)


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)
