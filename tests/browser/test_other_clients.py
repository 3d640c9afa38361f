"""Someone else's client: rasa-webchat 1.0.1 (pinned npm package, no CDN) over socket.io.

It draws no custom payloads, so the bot's turn must read well without them: at
most three bubbles, the exercise as one text with numbered steps, dosage and
caution, and the quick replies as buttons.
"""
from __future__ import annotations

import uuid

import pytest

from conftest import REPLY_TIMEOUT_MS

pytestmark = pytest.mark.browser

MAX_BUBBLES = 3


def webchat_page(stack) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title></head>
<body><div id="webchat"></div>
<script src="node_modules/rasa-webchat/lib/index.js"></script>
<script>
  WebChat.default({{
    selector: "#webchat", socketUrl: "http://localhost:{stack.ports.rasa}", socketPath: "/socket.io/",
    initPayload: "/greet", embedded: true, params: {{ storage: "session" }},
  }}, null);
</script></body></html>"""


def customs(replies, kind):
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("type") == kind]


def test_rasa_webchat_gets_an_exercise_as_one_readable_turn_with_buttons(stack, allowed_site, browser, rest):
    [expected] = customs(rest(f"compare-{uuid.uuid4().hex}", "what stretch for piriformis"), "exercise")
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(allowed_site.page("webchat.html", webchat_page(stack)))
        responses = page.locator(".rw-message .rw-response")
        responses.first.wait_for()  # the greeting
        page.wait_for_timeout(3000)  # rasa-webchat shows each message after a delay of its own
        before = responses.count()

        page.locator(".rw-new-message").fill("what stretch for piriformis")
        page.locator(".rw-new-message").press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('.rw-message .rw-response').length > n && document.querySelector('.rw-reply')",
            arg=before,
        )
        page.wait_for_timeout(4000)
        turn = responses.all_inner_texts()[before:]
        assert 1 <= len(turn) <= MAX_BUBBLES, turn
        exercise = next(text for text in turn if expected["name"] in text)
        for step in expected["steps"]:
            assert step in exercise
        assert expected["caution"] in exercise
        assert any(f"{label}:" in exercise for label in ("Hold", "Repetitions", "How often"))
        # The steps are numbered, as an ordered list once rasa-webchat renders the text as markdown.
        assert page.locator(".rw-response ol li").count() >= len(expected["steps"])
        replies = page.locator(".rw-reply")
        assert replies.count() >= 1 and replies.first.is_visible()
    finally:
        context.close()
