"""The chat page in a real Chromium, against the real bot on free ports.

Chromium is Debian's (/usr/bin/chromium, installed by scripts/install_browser.sh);
Playwright only drives it, it never downloads a browser of its own. Without it the
tests fail in CI (CI=true) and are skipped elsewhere, each time saying why.
"""
from __future__ import annotations

import json
import os
import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from sciatica_rasa.stack import ROOT, Stack, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MODEL = ROOT / "models" / "sciatica.tar.gz"
ARTIFACTS = ROOT / "tests" / "artifacts"
PHONE = {"width": 360, "height": 740}
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
# npm tools pinned in tests/browser/package-lock.json, installed by scripts/install_browser.sh.
NPM_TOOLS = ROOT / "tests" / "browser" / "node_modules"

REPLY_TIMEOUT_MS = 60_000

# A bot reply has arrived: no typing indicator, and more bot messages than before.
REPLY_ARRIVED = """before => !document.getElementById("typing")
    && document.querySelectorAll("#messages > li.bot:not(.typing)").length > before"""


def _unavailable(reason: str) -> None:
    """Fail in CI, where the browser tests must run; skip with the reason elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def post_json(url: str, body: dict[str, Any], timeout: float = 60.0) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed: run `make setup` (it is a test extra)")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM}: run scripts/install_browser.sh")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_api):
    browser = playwright_api.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class HostSite:
    """Another website on a local port of its own: pages the tests write, and the npm tools."""

    def __init__(self, root: Path, host: str):
        self.root = root
        self.port = free_port()
        handler = partial(_QuietFiles, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.origin = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(html)
        return f"{self.origin}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def host_sites(tmp_path_factory) -> Iterator[tuple[HostSite, HostSite]]:
    """An allowed site (in ALLOWED_ORIGINS) and one that is not."""
    root = tmp_path_factory.mktemp("host-sites")
    (root / "node_modules").symlink_to(NPM_TOOLS)
    # The allowed site is on localhost like the bot (another origin, the same site), as a
    # clinic's www.clinic.example with the bot on chat.clinic.example: browsers that deny
    # storage to other sites' frames still let the panel keep its history there.
    sites = (HostSite(root, "localhost"), HostSite(root, "127.0.0.1"))
    yield sites
    for site in sites:
        site.close()


@pytest.fixture(scope="session")
def allowed_site(host_sites) -> HostSite:
    return host_sites[0]


@pytest.fixture(scope="session")
def other_site(host_sites) -> HostSite:
    return host_sites[1]


@pytest.fixture(scope="session")
def stack(browser, host_sites, tmp_path_factory) -> Iterator[Stack]:
    # Depends on the browser so a missing Chromium is reported before a slow start.
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first", pytrace=False)
    if not (NPM_TOOLS / "axe-core" / "axe.min.js").is_file():
        _unavailable(f"no npm tools in {NPM_TOOLS}: run scripts/install_browser.sh")
    stack = Stack.on_free_ports(
        tmp_path_factory.mktemp("browser-stack"), extra_env={"ALLOWED_ORIGINS": host_sites[0].origin},
    )
    with stack.serving() as stack:
        yield stack


class ChatPage:
    """The chat page as a user sees it, plus what the browser did behind it."""

    def __init__(self, page, stack: Stack):
        self.page = page
        self.stack = stack
        self.requests: list[Any] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda request: self.requests.append(request))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("dialog", self._dismiss)

    def _dismiss(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    # -- parts of the page

    @property
    def input(self):
        return self.page.get_by_label("Your message")

    @property
    def messages(self):
        return self.page.locator("#messages")

    def bot_messages(self):
        return self.page.locator("#messages > li.bot:not(.typing)")

    def user_messages(self):
        return self.page.locator("#messages > li.user")

    def sender(self) -> str | None:
        return self.page.evaluate("() => sessionStorage.getItem('sciatica-helper:sender')")

    def sent_messages(self) -> list[dict[str, Any]]:
        """Bodies the page posted to the REST channel, in order."""
        posts = [r for r in self.requests if r.method == "POST" and r.url.endswith("/webhooks/rest/webhook")]
        return [json.loads(r.post_data) for r in posts]

    # -- actions

    def open(self) -> "ChatPage":
        self.page.goto(self.stack.web_url)
        self.wait_for_reply(0)  # the greeting
        return self

    def say(self, text: str) -> None:
        before = self.bot_messages().count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_for_reply(before)

    def wait_for_reply(self, before: int) -> None:
        self.page.wait_for_function(REPLY_ARRIVED, arg=before, timeout=REPLY_TIMEOUT_MS)

    def screenshot(self, name: str, locator=None) -> Path:
        """Save tests/artifacts/<name>.png; a card is shot whole, however tall."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if locator is None:
            self.page.screenshot(path=str(path), animations="disabled")
            return path
        height = self.page.evaluate("e => Math.ceil(e.getBoundingClientRect().height)", locator.element_handle())
        self.page.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], height + 400)})
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(path), animations="disabled")
        self.page.set_viewport_size(PHONE)
        return path


@pytest.fixture
def chat(browser, stack) -> Iterator[ChatPage]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    chat = ChatPage(context.new_page(), stack)
    try:
        yield chat
        # Whatever the test did, the page ran no foreign code and fetched nothing from elsewhere.
        assert chat.page_errors == [], f"JavaScript errors on the page: {chat.page_errors}"
        csp = [m for m in chat.console_errors if "Content Security Policy" in m]
        assert csp == [], f"the page broke its Content-Security-Policy: {csp}"
        foreign = {r.url for r in chat.requests if urlsplit(r.url).hostname not in LOCAL_HOSTS}
        assert foreign == set(), f"the page fetched from elsewhere: {foreign}"
    finally:
        context.close()


@pytest.fixture
def rest(stack):
    """Ask the bot directly, as another user, to compare with what the page shows."""

    def ask(sender: str, message: str) -> list[dict[str, Any]]:
        return post_json(f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message})

    return ask
