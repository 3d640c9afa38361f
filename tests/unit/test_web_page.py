"""What the page's code must never do, read from web/chat.js itself."""
import re

from sciatica import PROJECT_ROOT

CHAT_JS = (PROJECT_ROOT / "web" / "chat.js").read_text(encoding="utf-8")


def test_conversation_ids_are_128_random_bits_from_the_browsers_crypto():
    # The id is the key to the conversation and its summary: unguessable, at least 122 bits.
    assert re.search(r"crypto\.getRandomValues\(new Uint8Array\(16\)\)", CHAT_JS)
    assert re.search(r'/\^web-\[0-9a-f\]\{32\}\$/', CHAT_JS), "a stored id of another shape must be replaced"
    assert "Math.random" not in CHAT_JS


def test_the_summary_is_only_copied_or_printed_here_never_sent():
    summary_code = CHAT_JS[CHAT_JS.index("function summaryCard"):CHAT_JS.index("function choices")]
    for sending in ("fetch(", "XMLHttpRequest", "sendBeacon", "postMessage(", "WebSocket", "mailto:"):
        assert sending not in summary_code, sending
