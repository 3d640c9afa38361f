"""Serve the chat page (web/) and tell it where the Rasa server listens.

Everything the page needs is served from here: no CDN, so it works offline.
"""
from __future__ import annotations

import argparse
import json
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"


def content_security_policy(rasa_port: int) -> str:
    """The page runs no code but its own, and talks to the Rasa server only."""
    rasa = " ".join(f"http://{host}:{rasa_port}" for host in ("localhost", "127.0.0.1"))
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        f"connect-src 'self' {rasa}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


class PageHandler(SimpleHTTPRequestHandler):
    rasa_port = 5005

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0] == "/config.json":
            body = json.dumps({"rasaPort": self.rasa_port}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", content_security_policy(self.rasa_port))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")  # revalidate, so an update shows at once
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # no request lines (they may carry user data) in the default logs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-port", type=int, default=5005)
    args = parser.parse_args(argv)
    handler = type("Handler", (PageHandler,), {"rasa_port": args.rasa_port})
    server = ThreadingHTTPServer(("0.0.0.0", args.port), partial(handler, directory=str(WEB_ROOT)))
    server.serve_forever()


if __name__ == "__main__":
    main()
