"""Talking to a running bot through the REST channel."""
from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from sciatica_rasa.stack import ROOT, Stack

MODEL = ROOT / "models" / "sciatica.tar.gz"


def post_json(url: str, body: dict[str, Any], timeout: float = 30.0) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


class Conversation:
    """One user talking to the bot through the REST channel."""

    def __init__(self, stack: Stack, sender: str | None = None):
        self.stack = stack
        self.sender = sender or f"test-{uuid.uuid4().hex[:12]}"

    def say(self, message: Any) -> list[dict[str, Any]]:
        status, replies = post_json(
            f"{self.stack.rasa_url}/webhooks/rest/webhook",
            {"sender": self.sender, "message": message},
        )
        assert status == 200
        return replies


def customs(replies: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("type") == kind]


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


