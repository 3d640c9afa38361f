import time

import pytest

from sciatica.input_guard import (
    EMPTY_REPLY,
    MAX_CHARS,
    RAW_CHARS,
    SYMBOLS_ONLY_REPLY,
    TRUNCATED_NOTICE,
    as_text,
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


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("toi\u200blet paper", "toilet paper"),  # zero-width space inside a word
        ("toi\u00adlet paper", "toilet paper"),  # soft hyphen
        ("\u202enumb bum\u202c", "numb bum"),  # right-to-left override
        ("\u2067numb\u2069 bum", "numb bum"),  # bidi isolates
        ("\ufeffhello", "hello"),  # byte order mark
        ("numb\x00 bum", "numb bum"),  # NUL
        ("pain\ud83d in my leg", "pain in my leg"),  # lone surrogate from JSON
        ("ｎｕｍｂ ｂｕｍ", "numb bum"),  # full-width letters
        ("𝐧𝐮𝐦𝐛 bum", "numb bum"),  # mathematical bold letters
        ("line one\nline two\r\n\tthree", "line one line two three"),
    ],
)
def test_invisible_characters_and_look_alikes_are_cleaned(raw, expected):
    assert guard(raw).text == expected


@pytest.mark.parametrize("value, expected", [("hi", "hi"), (7, "7"), (2.5, "2.5"), (None, ""), (True, ""), ([1], ""), ({"a": 1}, "")])
def test_only_strings_and_numbers_are_message_text(value, expected):
    assert as_text(value) == expected


def test_megabytes_are_cut_without_cleaning_all_of_them():
    text = "numb bum " + "x" * 5_000_000
    started = time.perf_counter()
    result = guard(text)
    assert time.perf_counter() - started < 0.5
    assert result.text.startswith("numb bum")
    assert result.reply == TRUNCATED_NOTICE


def test_text_after_megabytes_of_blanks_is_beyond_the_limit():
    result = guard(" " * (RAW_CHARS + 10) + "hello")
    assert result.text is None
    assert result.reply == EMPTY_REPLY


def test_a_short_text_after_invisible_padding_keeps_its_last_word():
    result = guard("\u200b" * (MAX_CHARS + 5) + "my left leg hurts")
    assert result.text == "my left leg hurts"
    assert result.reply is None


def test_one_huge_word_is_cut_to_the_limit():
    result = guard("sciatica" * 1300)
    assert len(result.text) == MAX_CHARS
    assert result.reply == TRUNCATED_NOTICE
