"""The chat page end to end: a phone-sized Chromium talking to the real bot."""
from __future__ import annotations

import re
import urllib.request
import uuid

import pytest

from accessibility import axe_violations

pytestmark = pytest.mark.browser

SADDLE_NUMBNESS = "I can't feel the toilet paper when I wipe"
MARKUP = "<img src=x onerror=alert(1)>"
MIN_TOUCH_TARGET = 44  # CSS pixels


def box(locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "the element is not rendered"
    return found


def rgb(css_colour: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", css_colour)[:3])


def customs(replies, kind: str):
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("type") == kind]


def test_phone_layout_fits_the_screen_and_shows_the_disclaimer(chat):
    chat.open()
    page = chat.page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, "the page scrolls sideways"
    disclaimer = page.locator("#disclaimer")
    assert "not a diagnosis" in disclaimer.inner_text().lower()
    for number in ("999", "911", "112"):
        assert disclaimer.locator(f'a[href="tel:{number}"]').is_visible()
    # The composer sits on screen, and everything to tap is big enough for a finger.
    send = page.get_by_role("button", name="Send")
    assert box(send)["y"] + box(send)["height"] <= 740
    for control in (chat.input, send, page.get_by_role("button", name="Start again")):
        assert box(control)["height"] >= MIN_TOUCH_TARGET - 4, control
    choice = page.locator("button.choice").first
    assert box(choice)["height"] >= MIN_TOUCH_TARGET
    chat.screenshot("phone-layout")


def test_piriformis_question_shows_an_exercise_card_with_the_bots_steps(chat, rest):
    expected = customs(rest(f"compare-{uuid.uuid4().hex}", "what stretch for piriformis"), "exercise")
    assert expected, "the bot itself sent no exercise payload"
    chat.open()
    chat.say("what stretch for piriformis")
    card = chat.page.locator("article.exercise-card").last
    assert card.is_visible()
    assert card.get_by_role("heading", level=3).inner_text() == expected[0]["name"]
    assert "piriformis" in card.inner_text().lower()
    steps = card.locator("ol.steps > li")
    assert steps.all_inner_texts() == expected[0]["steps"]
    assert len(expected[0]["steps"]) >= 2
    # Each of hold, reps and frequency is shown, or named as not given in the sources.
    for label, key in (("Hold", "hold"), ("Repetitions", "reps"), ("How often", "frequency")):
        if expected[0][key]:
            assert card.locator(".dose", has_text=label).locator("dd").inner_text() == expected[0][key]
        else:
            assert label.lower() in card.locator(".dose-missing").inner_text().lower()
    assert expected[0]["caution"] in card.locator(".caution").inner_text()
    chat.screenshot("exercise-card", card)


def test_saddle_numbness_shows_an_unmistakable_emergency_card(chat):
    chat.open()
    chat.say(SADDLE_NUMBNESS)
    page = chat.page
    card = page.locator('.referral-emergency[role="alert"]')
    assert card.count() == 1
    # It is scrolled into view and its first call link is on the first screen.
    first_call = card.locator('a.call[href="tel:999"]')
    assert first_call.is_visible()
    assert 0 <= box(first_call)["y"] and box(first_call)["y"] + box(first_call)["height"] <= 740
    for number in ("999", "911", "112"):
        assert card.locator(f'a[href="tel:{number}"]').first.is_visible()
    assert "999" in card.inner_text()
    red, green, blue = rgb(card.evaluate("e => getComputedStyle(e).backgroundColor"))
    assert red > 180 and green < 80 and blue < 80, "the emergency card is not red"
    heading_size = card.locator("h3").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    body_size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert heading_size >= 1.4 * body_size
    chat.screenshot("emergency-phone")
    chat.screenshot("emergency-card", card)


def test_quick_reply_sends_its_payload_and_shows_its_title(chat, rest):
    [greeting] = [r for r in rest(f"compare-{uuid.uuid4().hex}", "/greet") if r.get("buttons")]
    offered = greeting["buttons"][0]
    chat.open()
    button = chat.page.get_by_role("button", name=offered["title"]).first
    before = chat.bot_messages().count()
    button.click()
    chat.wait_for_reply(before)
    assert chat.user_messages().last.inner_text().endswith(offered["title"])
    assert chat.sent_messages()[-1]["message"] == offered["payload"]
    assert button.is_disabled()
    reply = chat.bot_messages().nth(before)
    assert reply.inner_text().strip(), "the quick reply got no answer"


def test_history_and_sender_survive_a_reload(chat):
    chat.open()
    chat.say("what stretch for piriformis")
    sender = chat.sender()
    shown = chat.messages.inner_text()
    posts = len(chat.sent_messages())
    chat.page.reload()
    chat.page.locator("article.exercise-card").wait_for()
    assert chat.sender() == sender
    assert chat.messages.inner_text() == shown
    assert len(chat.sent_messages()) == posts, "the page talked to the bot again on reload"
    # Replies offered before the user's message stay answered; the latest ones stay open.
    greeting_choices = chat.bot_messages().first.locator("button.choice")
    assert greeting_choices.count() > 0 and all(b.is_disabled() for b in greeting_choices.all())
    latest_choices = chat.bot_messages().last.locator("button.choice")
    assert all(b.is_enabled() for b in latest_choices.all())


def test_markup_in_a_message_is_shown_as_text_and_never_runs(chat):
    chat.open()
    chat.say(MARKUP)
    assert chat.user_messages().last.locator(".bubble").inner_text() == MARKUP
    chat.page.reload()
    chat.page.get_by_text(MARKUP, exact=True).wait_for()
    assert chat.page.locator("#messages img").count() == 0
    assert chat.dialogs == []


def test_start_again_clears_the_conversation_and_uses_a_new_sender(chat):
    chat.open()
    chat.say("what stretch for piriformis")
    old_sender = chat.sender()
    before = len(chat.sent_messages())
    chat.page.get_by_role("button", name="Start again").click()
    chat.wait_for_reply(0)
    assert chat.sender() != old_sender
    assert chat.user_messages().count() == 0
    assert chat.page.locator("article.exercise-card").count() == 0
    stored = chat.page.evaluate("s => sessionStorage.getItem('sciatica-helper:history:' + s)", old_sender)
    assert stored is None
    sent = chat.sent_messages()[before:]
    assert {"sender": old_sender, "message": "/restart"} in [{"sender": b["sender"], "message": b["message"]} for b in sent]
    assert all(body["metadata"] == {"cards": True} for body in sent)  # the page draws the cards itself


def test_an_unreachable_server_gets_a_kind_message_with_the_emergency_numbers(chat):
    chat.open()
    chat.page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    chat.say("what stretch for piriformis")
    notice = chat.page.locator(".notice[role=alert]")
    assert "try again" in notice.inner_text().lower()
    for number in ("999", "911", "112"):
        assert notice.locator(f'a[href="tel:{number}"]').is_visible()
    chat.page.unroute("**/webhooks/rest/webhook")
    before = chat.bot_messages().count() - 1  # the notice goes away
    notice.get_by_role("button", name="Try again").click()
    chat.wait_for_reply(before)
    assert chat.page.locator(".notice").count() == 0
    assert chat.page.locator("article.exercise-card").count() == 1


def test_keyboard_reaches_every_control_with_a_visible_focus_and_replies_are_announced(chat):
    chat.open()
    page = chat.page
    page.locator("body").focus()
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                return {id: e.id, text: (e.textContent || '').trim(),
                        ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }"""
        )
        assert focused["ring"], f"no visible focus on {focused}"
        reached.append(focused["id"] or focused["text"])
        if focused["id"] == "send":
            break
    assert reached[0] == "restart"
    assert reached[-2:] == ["text", "send"], reached
    offered = chat.page.locator("button.choice:enabled").all_inner_texts()
    assert offered and set(offered) <= set(reached), "a quick reply cannot be reached by keyboard"
    chat.say("what stretch for piriformis")
    assert chat.input.evaluate("e => e === document.activeElement"), "focus left the message box"
    live = page.locator("#announcer[aria-live=polite]")
    name = page.locator("article.exercise-card h3").last.inner_text()
    assert name in live.inner_text()


def test_a_typing_indicator_shows_while_the_bot_answers(chat):
    chat.open()
    chat.page.evaluate(
        """() => { window.sawTyping = null;
            new MutationObserver(() => { const t = document.getElementById('typing');
                if (t && window.sawTyping === null) window.sawTyping = t.innerText + '|' + t.textContent; })
            .observe(document.getElementById('messages'), {childList: true}); }"""
    )
    chat.say("what stretch for piriformis")
    seen = chat.page.evaluate("() => window.sawTyping")
    assert seen is not None, "no typing indicator while waiting"
    assert "writing a reply" in seen  # its text for screen readers
    assert chat.page.locator("#typing").count() == 0


def test_page_is_served_with_a_strict_content_security_policy(stack):
    with urllib.request.urlopen(stack.web_url, timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in policy and "*" not in policy
    assert f":{stack.ports.rasa}" in directives["connect-src"]


def test_axe_core_finds_no_accessibility_violation_after_an_exercise_and_an_emergency_card(chat):
    chat.open()
    chat.say("what stretch for piriformis")
    chat.say(SADDLE_NUMBNESS)
    assert chat.page.locator("article.exercise-card").count() == 1
    assert chat.page.locator(".referral-emergency").count() == 1
    assert axe_violations(chat.page) == []
