"""Serve the chat page (web/), the embeddable panel and embed.js, and tell the page where Rasa listens.

Sanic (already Rasa's web framework, so no new dependency) serves the files:
HTTP/1.1, keep-alive, graceful shutdown on SIGTERM, no request lines in the
logs. Everything the page needs is served from here: no CDN, so it works offline.

- `/` is the page; `/panel?host=ORIGIN&title=...` is the same page inside the
  launcher's iframe on a site in ALLOWED_ORIGINS; for a site that is not, it is
  a page saying so (with the emergency numbers), never a panel that waits forever.
- `/embed.js` is the one script another site adds (see README, "On your website").
"""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request

from sciatica_rasa.origins import OriginError, allowed_origins, extra_origins, parse_origins

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# The files a browser may fetch, with their types: nothing else under web/ is served.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "not-allowed.html": "text/html; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "embed.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


def content_security_policy(rasa_port: int, frame_ancestors: str | None = "'none'") -> str:
    """The page runs no code but its own, talks to the Rasa server only, and is framed only where allowed."""
    rasa = " ".join(f"http://{host}:{rasa_port}" for host in ("localhost", "127.0.0.1"))
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        f"connect-src 'self' {rasa}",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if frame_ancestors is not None:
        directives.append(f"frame-ancestors {frame_ancestors}")
    return "; ".join(directives)


def panel_host(request: Request) -> str | None:
    """The embedding site's origin as embed.js reports it, or None if it is not one."""
    try:
        [origin] = parse_origins(request.args.get("host", ""))
    except (OriginError, ValueError):
        return None
    return origin


def create_app(rasa_port: int, web_port: int, env: dict[str, str]) -> Sanic:
    app = Sanic("sciatica_web")
    env = {**env, "WEB_PORT": str(web_port)}
    allowed = set(allowed_origins(env))
    embedders = extra_origins(env)

    def page(name: str, frame_ancestors: str | None):
        async def serve(_request: Request):
            return await response.file(
                WEB_ROOT / name, mime_type=FILES[name],
                headers={"Content-Security-Policy": content_security_policy(rasa_port, frame_ancestors)},
            )
        return serve

    index = page("index.html", "'none'")
    panel = page("index.html", " ".join(["'self'", *embedders]))
    # The refusal has to show inside any site's frame, so it sets no frame-ancestors.
    refusal = page("not-allowed.html", None)

    @app.get("/")
    async def home(request: Request):
        return await index(request)

    @app.get("/panel")
    async def embedded_panel(request: Request):
        return await (panel if panel_host(request) in allowed else refusal)(request)

    @app.get("/config.json")
    async def config(_request: Request):
        return response.json({"rasaPort": rasa_port})

    @app.get("/<name:str>")
    async def static(_request: Request, name: str):
        if name not in FILES:
            return response.text("Not found", status=404)
        return await response.file(WEB_ROOT / name, mime_type=FILES[name])

    @app.on_response
    async def common_headers(_request: Request, resp) -> None:
        resp.headers.setdefault("Content-Security-Policy", content_security_policy(rasa_port))
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-cache"  # revalidate, so an update shows at once

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-port", type=int, default=5005)
    args = parser.parse_args(argv)
    # Sanic's start-up banner and INFO lines say nothing a user of `make run` needs.
    logging.getLogger("sanic.root").setLevel(logging.WARNING)
    app = create_app(args.rasa_port, args.port, dict(os.environ))
    app.run(host="0.0.0.0", port=args.port, access_log=False, motd=False, workers=1)


if __name__ == "__main__":
    main()
