"""The summary for a doctor on the page: after a referral, copied and printed, never sent anywhere."""
from __future__ import annotations

import re
import uuid

import pytest

from sciatica_rasa.stack import ROOT

pytestmark = pytest.mark.browser

SADDLE_NUMBNESS = "I can't feel the toilet paper when I wipe"
NOTE = "This is what you told an information service. It is not a diagnosis."
# Page objects of a PDF ("/Type /Page", not the "/Type /Pages" tree).
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-z])")
ARTIFACTS = ROOT / "tests" / "artifacts"
A4 = {"width": 794, "height": 1123}  # CSS pixels at 96 dpi
PRINTABLE = {"width": 688, "height": 1032}  # A4 less the print stylesheet's margins (12 mm, 14 mm)


def summary_after_an_emergency(chat):
    chat.open()
    chat.say(SADDLE_NUMBNESS)
    referral = chat.page.locator(".referral-emergency")
    assert referral.count() == 1
    # The quick reply sits under the referral card, which keeps the bot's own text.
    row = chat.bot_messages().last
    assert "Do not drive yourself" in referral.inner_text()
    button = row.get_by_role("button", name="Summary for a doctor")
    assert button.is_visible()
    before = chat.bot_messages().count()
    button.click()
    chat.wait_for_reply(before)
    card = chat.page.locator("article.summary-card")
    card.wait_for()
    return card


def test_the_summary_card_shows_what_this_conversation_holds(chat, rest):
    card = summary_after_an_emergency(chat)
    assert card.get_by_role("heading", level=3).inner_text() == "Summary for a doctor"
    text = card.inner_text()
    assert f"“{SADDLE_NUMBNESS}”" in text
    assert "saddle area" in text  # the warning sign, in plain words
    assert "Emergency" in text and "999" in text
    assert NOTE in text
    assert re.search(r"Made on \d{1,2} \w+ 20\d\d", text), text
    # The same as the bot says over REST for a conversation with the same words.
    sender = f"compare-{uuid.uuid4().hex}"
    rest(sender, SADDLE_NUMBNESS)
    [payload] = [r["custom"] for r in rest(sender, "/ask_summary") if (r.get("custom") or {}).get("type") == "summary"]
    for said in payload["reported"]:
        assert said in text
    assert payload["advice"] in " ".join(text.split())
    chat.screenshot("summary-card", card)


def test_copy_puts_the_summary_text_on_this_devices_clipboard_only(chat):
    chat.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    card = summary_after_an_emergency(chat)
    posts = len(chat.sent_messages())
    card.get_by_role("button", name="Copy").click()
    card.get_by_role("status").filter(has_text="Copied").wait_for()
    copied = chat.page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("Summary for a doctor\n\nMade on ")
    assert f"“{SADDLE_NUMBNESS}”" in copied and copied.endswith(NOTE)
    assert len(chat.sent_messages()) == posts, "copying talked to the bot"


def summary_after_a_full_screening_and_a_gp_referral(chat):
    """A long summary: every usual safety question answered, exercises shown, a GP referral."""
    chat.open()
    chat.say("I have sciatica down my left leg")
    for _ in range(12):
        chat.say("no, nothing like that")
        if chat.page.locator("article.exercise-card").count():
            break
    chat.say("it's been eight weeks and it's not getting any better")
    assert chat.page.locator(".referral-gp").count() == 1
    before = chat.bot_messages().count()
    chat.bot_messages().last.get_by_role("button", name="Summary for a doctor").click()
    chat.wait_for_reply(before)
    card = chat.page.locator("article.summary-card")
    card.wait_for()
    assert card.locator(".summary-answers dt").count() >= 7
    return card


def test_print_shows_the_summary_alone_on_one_clean_page(chat):
    card = summary_after_a_full_screening_and_a_gp_referral(chat)
    page = chat.page
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    posts = len(chat.sent_messages())
    card.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    try:
        assert card.is_visible()
        for hidden in (".masthead", "#composer", ".referral", ".exercise-card", ".summary-actions", "button.choice"):
            assert all(not e.is_visible() for e in page.locator(hidden).all()), f"{hidden} is printed"
        user_rows = chat.user_messages()
        assert all(not row.is_visible() for row in user_rows.all())
        assert rgb(card.evaluate("e => getComputedStyle(e).color")) == (0, 0, 0)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size(PRINTABLE)
        height = card.evaluate("e => e.getBoundingClientRect().height")
        print(f"\nprinted summary: {height:.0f} of {PRINTABLE['height']} CSS px of an A4 page's printable height")
        page.set_viewport_size(A4)  # as wide as the printed page
        page.screenshot(path=str(ARTIFACTS / "summary-print.png"), full_page=True, animations="disabled")
        pdf = page.pdf(format="A4", print_background=True)
        (ARTIFACTS / "summary-print.pdf").write_bytes(pdf)
        pages = len(PDF_PAGE.findall(pdf))
        assert pages == 1, f"the summary takes {pages} A4 pages (tests/artifacts/summary-print.pdf)"
    finally:
        page.emulate_media(media="screen")
    assert len(chat.sent_messages()) == posts, "printing talked to the bot"
    # After the print dialog the page is the conversation again.
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.locator(".print-target").count() == 0


def test_the_summary_comes_back_after_a_reload_with_its_buttons(chat):
    summary_after_an_emergency(chat)
    chat.page.reload()
    card = chat.page.locator("article.summary-card")
    card.wait_for()
    assert NOTE in card.inner_text()
    assert card.get_by_role("button", name="Print").is_enabled()


def test_the_page_makes_conversation_ids_of_128_random_bits(chat, browser):
    chat.open()
    first = chat.sender()
    assert re.fullmatch(r"web-[0-9a-f]{32}", first), first
    other = browser.new_context()
    try:
        page = other.new_page()
        page.goto(chat.stack.web_url)
        page.wait_for_function("() => sessionStorage.getItem('sciatica-helper:sender')")
        second = page.evaluate("() => sessionStorage.getItem('sciatica-helper:sender')")
    finally:
        other.close()
    assert re.fullmatch(r"web-[0-9a-f]{32}", second) and second != first


def rgb(css_colour: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", css_colour)[:3])
