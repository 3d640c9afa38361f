"""Which web origins may talk to the bot: its own page, plus those in ALLOWED_ORIGINS.

One list for everything that checks an origin: the Rasa server's CORS (REST and
socket.io), the sites that may embed the chat panel (the page's frame-ancestors)
and what `make run` prints.
"""
from __future__ import annotations

import os
from typing import Mapping
from urllib.parse import urlsplit

ALLOWED_ORIGINS_ENV = "ALLOWED_ORIGINS"
DEFAULT_WEB_PORT = 8080


class OriginError(ValueError):
    """An entry of ALLOWED_ORIGINS that is not an origin."""


def own_origins(web_port: int) -> list[str]:
    """The chat page's own origins: where `make run` serves it."""
    return [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def parse_origins(value: str | None) -> list[str]:
    """Origins from a comma-separated list: scheme://host[:port], nothing else."""
    origins: list[str] = []
    for entry in (value or "").split(","):
        entry = entry.strip().rstrip("/")
        if not entry:
            continue
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
            raise OriginError(
                f"{ALLOWED_ORIGINS_ENV}: '{entry}' is not an origin; write it as https://clinic.example "
                "or http://localhost:3000 (scheme, host and port only)"
            )
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        if origin not in origins:
            origins.append(origin)
    return origins


def allowed_origins(env: Mapping[str, str] = os.environ) -> list[str]:
    """The page's own origins, then ALLOWED_ORIGINS, without repeats."""
    origins = own_origins(int(env.get("WEB_PORT", DEFAULT_WEB_PORT)))
    return origins + [o for o in parse_origins(env.get(ALLOWED_ORIGINS_ENV)) if o not in origins]


def extra_origins(env: Mapping[str, str] = os.environ) -> list[str]:
    """Only the origins ALLOWED_ORIGINS adds: the sites that may embed the panel."""
    own = own_origins(int(env.get("WEB_PORT", DEFAULT_WEB_PORT)))
    return [o for o in parse_origins(env.get(ALLOWED_ORIGINS_ENV)) if o not in own]
