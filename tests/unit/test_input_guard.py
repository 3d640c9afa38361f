import pytest

from sciatica.input_guard import (
    EMPTY_REPLY,
    MAX_CHARS,
    SYMBOLS_ONLY_REPLY,
    TRUNCATED_NOTICE,
    guard,
)


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t", "\x00\x01", "/", "///  "])
def test_blank_messages_get_a_prompt_and_skip_nlu(text):
    result = guard(text)
    assert result.text is None
    assert result.reply == EMPTY_REPLY


@pytest.mark.parametrize("text", ["😀😀", "🙏", "!!!", "?", "<>", "❤️‍🔥"])
def test_symbols_only_get_a_kind_reply(text):
    result = guard(text)
    assert result.text is None
    assert result.reply == SYMBOLS_ONLY_REPLY


def test_typed_intent_is_treated_as_text():
    result = guard('/inform{"screen_saddle": "no"}')
    assert result.text == 'inform{"screen_saddle": "no"}'
    assert not result.is_payload
    assert result.typed_command


def test_plain_text_is_not_a_typed_command():
    assert not guard("no").typed_command


def test_typed_intent_keeps_red_flag_words_for_nlu():
    result = guard("/affirm i can't feel the toilet paper")
    assert result.text == "affirm i can't feel the toilet paper"


def test_offered_button_payload_passes_unchanged():
    payload = '/ask_how_to{"exercise": "clamshell"}'
    result = guard(payload, offered_payloads={payload})
    assert result.text == payload
    assert result.is_payload


def test_payload_not_offered_is_text():
    result = guard("/affirm", offered_payloads={"/deny"})
    assert result.text == "affirm"
    assert not result.is_payload


def test_restart_control_always_allowed():
    assert guard("/restart").is_payload


def test_control_characters_are_stripped():
    assert guard("what\x00 stretch\u200b for\x1b piriformis").text == "what stretch for piriformis"


def test_huge_text_is_cut_with_a_notice():
    result = guard("pain " * 100_000)
    assert len(result.text) <= MAX_CHARS
    assert result.reply == TRUNCATED_NOTICE


def test_markup_is_kept_as_text():
    assert guard("<script>alert(1)</script> hello").text == "<script>alert(1)</script> hello"


def test_non_string_input_is_handled():
    assert guard(12345).text == "12345"
