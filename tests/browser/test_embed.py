"""The chat on another website: one script tag from the bot's web server adds a launcher and the panel.

The host pages live on local ports of their own: other origins, as a clinic's
site would be. The allowed one is in the stack's ALLOWED_ORIGINS and serves the
strict CSP the README tells site owners to use.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from accessibility import axe_violations
from conftest import PHONE, REPLY_ARRIVED, REPLY_TIMEOUT_MS

pytestmark = pytest.mark.browser

SADDLE_NUMBNESS = "I can't feel the toilet paper when I wipe"
# Host styles that would show if anything of the page's leaked into the launcher.
HOSTILE_STYLES = "button { background: lime !important; font-size: 40px !important; } * { color: magenta; }"


def host_page(stack, title: str | None = None, csp: bool = True) -> str:
    bot = f"http://localhost:{stack.ports.web}"
    # The site's own policy, plus the two sources the README tells site owners to add.
    policy = f"default-src 'none'; style-src 'self'; script-src {bot}; frame-src {bot}"
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">' if csp else ""
    data_title = f' data-title="{title}"' if title else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}
<title>A physiotherapy practice</title><link rel="stylesheet" href="host.css"></head>
<body><main><h1>Back pain clinic</h1><p>Opening hours: 9 to 5.</p></main>
<script src="{bot}/embed.js"{data_title} defer></script></body></html>"""


class EmbeddedChat:
    def __init__(self, page):
        self.page = page
        self.frame = page.frame_locator("iframe[title]")
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    @property
    def launcher(self):
        return self.page.locator("[data-sciatica-helper]").get_by_role("button")

    def panel(self):
        frame = self.page.locator("iframe[title]").element_handle().content_frame()
        frame.wait_for_url("**/panel?**")
        return frame

    def bot_count(self) -> int:
        return self.panel().locator("#messages > li.bot:not(.typing)").count()

    def wait_for_reply(self, before: int) -> None:
        self.panel().wait_for_function(REPLY_ARRIVED, arg=before, timeout=REPLY_TIMEOUT_MS)

    def say(self, text: str) -> None:
        before = self.bot_count()
        box = self.frame.get_by_label("Your message")
        box.fill(text)
        box.press("Enter")
        self.wait_for_reply(before)


@pytest.fixture
def host_context(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


def test_one_script_tag_adds_a_launcher_and_a_panel_with_cards_history_and_no_leaks(stack, allowed_site, host_context):
    (allowed_site.root / "host.css").write_text(HOSTILE_STYLES)
    url = allowed_site.page("clinic.html", host_page(stack, title="Ask about sciatica"))
    page = host_context.new_page()
    chat = EmbeddedChat(page)
    page.goto(url)

    launcher = chat.launcher
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.get_by_role("button", name="Chat about sciatica").count() == 1
    # The host's CSS reaches neither the launcher nor the panel.
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 94, 184)"
    assert launcher.evaluate("e => getComputedStyle(e).fontSize") == "16px"

    # Keyboard: the launcher opens the panel and the cursor goes to its message box.
    launcher.focus()
    page.keyboard.press("Enter")
    chat.wait_for_reply(0)  # the greeting
    assert page.get_by_role("button", name="Close chat").get_attribute("aria-expanded") == "true"
    assert page.locator("iframe").get_attribute("title") == "Ask about sciatica"
    panel = chat.panel()
    assert panel.locator("h1").inner_text() == "Ask about sciatica"
    panel.wait_for_function("() => document.activeElement && document.activeElement.id === 'text'")

    chat.say("what stretch for piriformis")
    assert chat.frame.locator("article.exercise-card").count() == 1
    chat.say(SADDLE_NUMBNESS)
    emergency = chat.frame.locator('.referral-emergency[role="alert"]')
    for number in ("999", "911", "112"):
        assert emergency.locator(f'a.call[href="tel:{number}"]').is_visible()

    assert axe_violations(panel) == []
    assert axe_violations(page.main_frame, "[data-sciatica-helper]") == []  # the launcher, in its shadow root

    shown = chat.frame.locator("#messages").inner_text()
    # Escape closes the panel and gives the focus back to the launcher.
    chat.frame.get_by_label("Your message").press("Escape")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.evaluate("e => e.getRootNode().activeElement === e")
    assert not page.locator("iframe").is_visible()

    page.reload()
    chat.launcher.click()
    chat.frame.locator(".referral-emergency").wait_for()
    assert chat.frame.locator("#messages").inner_text() == shown
    assert chat.frame.locator("article.exercise-card").count() == 1

    # Nothing of ours in the host page's globals, and its strict CSP was enough.
    assert page.evaluate("() => Object.keys(window).filter(k => /sciatica|webchat|chat/i.test(k))") == []
    assert [m for m in chat.console_errors if "Content Security Policy" in m] == []
    assert chat.page_errors == []


def test_a_site_that_is_not_allowed_gets_a_clear_message_in_the_panel(stack, other_site, host_context):
    (other_site.root / "host.css").write_text("")
    url = other_site.page("elsewhere.html", host_page(stack, csp=False))
    page = host_context.new_page()
    chat = EmbeddedChat(page)
    page.goto(url)
    chat.launcher.click()
    message = chat.frame.get_by_role("heading", level=1)
    assert "not available on this website" in message.inner_text()
    assert "ALLOWED_ORIGINS" in chat.frame.locator("main").inner_text()
    for number in ("999", "911", "112"):
        assert chat.frame.locator(f'a[href="tel:{number}"]').is_visible()
    # Nor can a script of that site talk to the bot directly.
    refused = page.evaluate(
        """url => fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                 body: JSON.stringify({sender: 'x', message: 'hi'})}).then(() => 'answered', e => 'refused')""",
        f"{stack.rasa_url.replace('127.0.0.1', 'localhost')}/webhooks/rest/webhook",
    )
    assert refused == "refused"
