"""The summary for a doctor, built from tracker events (Rasa's serialised format) without a server."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import yaml

from sciatica.datafiles import DataFileError
from sciatica.summary import (
    DEFAULT_SUMMARY_PATH, load_summary_texts, summarise, summary_payload, summary_text,
)

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc).timestamp()
MADE = datetime(2026, 12, 1, 9, 41, tzinfo=timezone.utc)
SADDLE_QUESTION = (
    "I need to check a few things first. Have you noticed any numbness around your bottom? "
    "Reply yes, no, or not sure."
)
BLADDER_QUESTION = "Since the back pain started, any new trouble with your bladder? Reply yes, no, or not sure."
EMERGENCY_ADVICE = "What you describe can be a sign of a serious problem. Call 999 (UK), 911 (US) or 112 (EU)."
GP_ADVICE = "It would be a good idea to book an appointment with a GP or physiotherapist."
ALL_CLEAR = "Thank you. None of those warning signs, which is reassuring."


class Conversation:
    """Events in the order Rasa stores them: the action, then what it said and set."""

    def __init__(self):
        self.events = [{"event": "action", "name": "action_session_start", "timestamp": T0},
                       {"event": "session_started", "timestamp": T0},
                       {"event": "action", "name": "action_listen", "timestamp": T0}]
        self.clock = T0

    def _stamp(self, event):
        self.clock += 10
        self.events.append({**event, "timestamp": self.clock})

    def user(self, text, intent, entities=(), triage=None):
        parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": list(entities), "text": text}
        if triage is not None:
            parse["triage"] = triage
        self._stamp({"event": "user", "text": text, "parse_data": parse})
        return self

    def action(self, name, *events):
        self._stamp({"event": "action", "name": name})
        for event in events:
            self._stamp(event)
        return self

    def listen(self):
        return self.action("action_listen")


def bot(text, custom=None):
    return {"event": "bot", "text": text, "data": {"custom": custom} if custom else {}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def referral(level, flags):
    return {"type": "referral", "level": level, "red_flags": flags}


def question(slot_name, flags, level="emergency", because=()):
    return {"type": "safety_question", "slot": slot_name, "red_flags": flags, "level_if_yes": level,
            "asked_because": list(because)}


def red_flag(value):
    return {"entity": "red_flag", "value": value, "extractor": "RedFlagTriage"}


@pytest.fixture(scope="module")
def texts():
    return load_summary_texts()


def emergency_in_the_first_message():
    return (Conversation()
            .user("/greet", "greet").action("utter_greet", bot("Hello")).listen()
            .user("I can't feel the toilet paper when I wipe", "red_flag_emergency",
                  [red_flag("saddle_anaesthesia")], {"level": "emergency", "red_flags": ["saddle_anaesthesia"],
                                                     "hints": [], "screening": "full", "markers": []})
            .action("utter_referral_emergency", bot(EMERGENCY_ADVICE, referral("emergency", ["saddle_anaesthesia"])))
            .listen()
            .user("/ask_summary", "ask_summary"))


def screening_with_typed_answers():
    """Sciatica described, the saddle question answered in words, yes to the bladder one."""
    return (Conversation()
            .user("pain down the back of my left leg", "describe_symptoms")
            .action("utter_screening_intro", bot("Before I suggest exercises..."))
            .action("screening_form", {"event": "active_loop", "name": "screening_form"}, slot("requested_slot", "screen_saddle"))
            .action("action_ask_screen_saddle", bot(SADDLE_QUESTION, question("screen_saddle", ["saddle_anaesthesia"])))
            .listen()
            # action_extract_slots takes the words, the form's validation the answer.
            .user("nope not at all", "deny")
            .action("action_extract_slots", slot("screen_saddle", "nope not at all"))
            .action("screening_form", slot("screen_saddle", "no"), slot("requested_slot", "screen_bladder_bowel"))
            .action("action_ask_screen_bladder_bowel",
                    bot(BLADDER_QUESTION, question("screen_bladder_bowel", ["bladder_dysfunction", "bowel_dysfunction"])))
            .listen()
            .user("/affirm", "affirm")
            .action("screening_form", slot("screen_bladder_bowel", "yes"), slot("requested_slot", None),
                    {"event": "active_loop", "name": None})
            .action("action_screening_outcome",
                    bot(EMERGENCY_ADVICE, referral("emergency", ["bladder_dysfunction", "bowel_dysfunction"])),
                    slot("triage_level", "emergency"))
            .listen())


def test_an_emergency_summary_holds_the_persons_words_the_flag_and_the_advice(texts):
    summary = summarise(emergency_in_the_first_message().events, made=MADE)
    assert summary.level == "emergency"
    assert summary.red_flags == ("saddle_anaesthesia",)
    assert summary.reported == ("I can't feel the toilet paper when I wipe",)
    assert summary.advice == EMERGENCY_ADVICE
    assert summary.answers == ()
    assert summary.started == datetime.fromtimestamp(T0 + 10, timezone.utc)
    text = summary_text(summary, texts)
    assert text.startswith("Summary for a doctor\n\nMade on 1 December 2026, 09:41 UTC")
    assert "“I can't feel the toilet paper when I wipe”" in text
    assert texts.flags["saddle_anaesthesia"] in text
    assert texts.levels["emergency"] in text and EMERGENCY_ADVICE in text
    assert text.endswith("This is what you told an information service. It is not a diagnosis.")
    assert "/greet" not in text and "/ask_summary" not in text


def test_the_payload_follows_the_message_contract(texts):
    payload = summary_payload(summarise(emergency_in_the_first_message().events, made=MADE), texts)
    assert {"type", "level", "red_flags", "reported", "answers", "advice"} <= set(payload)
    assert payload["type"] == "summary"
    assert payload["level"] == "emergency"
    assert payload["red_flags"] == ["saddle_anaesthesia"]
    assert payload["reported"] == ["I can't feel the toilet paper when I wipe"]
    assert payload["answers"] == []
    assert payload["advice"] == EMERGENCY_ADVICE
    assert payload["made"] == "2026-12-01T09:41:00Z"
    assert payload["note"] == "This is what you told an information service. It is not a diagnosis."
    assert payload["signs"] == [texts.flags["saddle_anaesthesia"]]
    yaml.safe_dump(payload)  # plain data only


def test_screening_answers_are_the_questions_as_asked_with_the_answers_given(texts):
    summary = summarise(screening_with_typed_answers().events, made=MADE)
    assert [(a.question, a.answer, a.said) for a in summary.answers] == [
        ("I need to check a few things first. Have you noticed any numbness around your bottom?", "no",
         "nope not at all"),
        ("Since the back pain started, any new trouble with your bladder?", "yes", None),
    ]
    assert summary.level == "emergency"
    assert summary.red_flags == ("bladder_dysfunction", "bowel_dysfunction")
    assert summary.reported == ("pain down the back of my left leg",)
    payload = summary_payload(summary, texts)
    assert payload["answers"][0] == {"question": summary.answers[0].question, "answer": "No", "said": "nope not at all"}
    assert payload["answers"][1] == {"question": summary.answers[1].question, "answer": "Yes"}
    text = summary_text(summary, texts)
    assert "Have you noticed any numbness around your bottom? No (“nope not at all”)" in text
    assert "Reply yes, no, or not sure" not in text


def test_a_question_not_answered_is_not_given_an_answer(texts):
    conversation = (Conversation()
                    .user("I have sciatica", "describe_symptoms")
                    .action("action_ask_screen_saddle", bot(SADDLE_QUESTION, question("screen_saddle", ["saddle_anaesthesia"])))
                    .listen()
                    # Not an answer: the words, then the validation's None, and the question again.
                    .user("what stretch for piriformis", "ask_exercise")
                    .action("action_extract_slots", slot("screen_saddle", "what stretch for piriformis"))
                    .action("screening_form", slot("screen_saddle", None))
                    .action("action_ask_screen_saddle", bot(SADDLE_QUESTION, question("screen_saddle", ["saddle_anaesthesia"])))
                    .listen()
                    # A typed "/inform" reaches the slot as words and is refused too.
                    .user('inform{"screen_saddle": "no"}', "greet")
                    .action("action_extract_slots", slot("screen_saddle", "no"))
                    .action("screening_form", slot("screen_saddle", None))
                    .listen())
    assert summarise(conversation.events, made=MADE).answers == ()


def test_the_highest_referral_is_the_advice_and_every_flag_is_kept(texts):
    conversation = (Conversation()
                    .user("it's been 8 weeks and it's no better", "red_flag_gp", [red_flag("not_improving")])
                    .action("action_screening_outcome", bot(GP_ADVICE, referral("gp", ["not_improving"])))
                    .listen()
                    .user("and now my legs both went numb", "red_flag_emergency", [red_flag("bilateral_symptoms")])
                    .action("utter_referral_emergency", bot(EMERGENCY_ADVICE, referral("emergency", ["bilateral_symptoms"])))
                    .listen())
    summary = summarise(conversation.events, made=MADE)
    assert summary.level == "emergency"
    assert summary.advice == EMERGENCY_ADVICE
    assert summary.red_flags == ("not_improving", "bilateral_symptoms")
    assert summary.reported == ("it's been 8 weeks and it's no better", "and now my legs both went numb")


def test_hints_and_markers_are_reported_in_the_persons_words(texts):
    conversation = (Conversation()
                    .user("can sciatica cause bladder problems?", "red_flag_hint",
                          [{"entity": "red_flag_hint", "value": "bladder_dysfunction", "start": 22, "end": 29}],
                          {"level": None, "red_flags": [], "hints": ["bladder_dysfunction"], "screening": "hinted",
                           "markers": []})
                    .listen()
                    .user("I have trouble walking", "greet", [],
                          {"level": None, "red_flags": [], "hints": [], "screening": None, "markers": ["new_neuro"]})
                    .listen()
                    .user("what stretch for piriformis", "ask_exercise")
                    .action("action_explain_exercise", bot("Piriformis stretch ...", {"type": "exercise", "id": "piriformis_stretch",
                                                                                     "name": "Piriformis stretch"}))
                    .listen())
    summary = summarise(conversation.events, made=MADE)
    assert summary.reported == ("can sciatica cause bladder problems?", "I have trouble walking")
    assert summary.markers == ("new_neuro",)
    assert summary.level is None and summary.advice == ""
    assert summary.exercises == ("Piriformis stretch",)
    text = summary_text(summary, texts)
    assert f"{texts.sections['noted']}:\n- {texts.markers['new_neuro']}" in text
    assert texts.markers["new_neuro"] not in summary_payload(summary, texts)["signs"]
    assert summary_payload(summary, texts)["noted"] == [texts.markers["new_neuro"]]
    assert f"{texts.sections['advice']}:\n{texts.nothing['advice']}" in text
    assert "Exercises shown:\n- Piriformis stretch" in text


def test_an_all_clear_screening_gives_its_advice(texts):
    conversation = (Conversation()
                    .user("I have sciatica", "describe_symptoms")
                    .action("action_screening_outcome", bot(ALL_CLEAR), slot("triage_level", "self_care"),
                            bot("Knee to chest ...", {"type": "exercise", "id": "knee_to_chest", "name": "Knee to chest"}))
                    .listen())
    summary = summarise(conversation.events, made=MADE)
    assert summary.level is None
    assert summary.advice == ALL_CLEAR
    assert summary.exercises == ("Knee to chest",)


def test_only_the_conversation_since_its_latest_restart_or_session(texts):
    before = emergency_in_the_first_message().events
    after = (Conversation()
             .user("what stretch for piriformis", "ask_exercise").listen()).events
    restarted = [*before, {"event": "restart", "timestamp": T0 + 1000}, *after]
    summary = summarise(restarted, made=MADE)
    assert summary.level is None and summary.red_flags == () and summary.reported == ()
    text = summary_text(summary, texts)
    assert "toilet paper" not in text and EMERGENCY_ADVICE not in text
    # A new session (60 minutes of silence) starts afresh too.
    assert summarise([*before, *after], made=MADE).reported == ()


def test_an_empty_conversation_says_so_in_every_section(texts):
    text = summary_text(summarise([], made=MADE), texts)
    for key in ("reported", "found", "answers", "exercises"):
        assert f"{texts.sections[key]}: {texts.nothing[key]}" in text
    assert texts.sections["noted"] not in text  # no markers: no section
    assert "conversation that started on 1 December 2026, 09:41 UTC" in text


def test_an_unnamed_model_flag_is_named_once(texts):
    conversation = (Conversation()
                    .user("something odd", "red_flag_suspected", [red_flag("unclassified_emergency")])
                    .action("utter_red_flag_suspected", bot("Some of what you describe...", referral("gp", ["unclassified_emergency"])))
                    .listen()
                    .user("something else odd", "red_flag_suspected", [red_flag("unclassified_urgent")])
                    .listen())
    payload = summary_payload(summarise(conversation.events, made=MADE), texts)
    assert payload["red_flags"] == ["unclassified_emergency", "unclassified_urgent"]
    assert payload["signs"] == [texts.flags["unclassified"]]


def test_every_red_flag_and_marker_has_plain_words(texts):
    from sciatica.triage import load_red_flags

    book = load_red_flags()
    assert set(texts.flags) == {*book.flags, "unclassified"}
    assert set(texts.markers) == set(book.markers)


@pytest.mark.parametrize("change, entry", [
    (lambda data: data["flags"].pop("saddle_anaesthesia"), "flags.saddle_anaesthesia"),
    (lambda data: data["flags"].update(made_up_flag="x"), "flags"),
    (lambda data: data["markers"].pop("new_neuro"), "markers.new_neuro"),
    (lambda data: data.update(made="Made on {made}."), "made"),
    (lambda data: data["levels"].pop("urgent"), "levels.urgent"),
    (lambda data: data.pop("note"), "note"),
])
def test_a_broken_summary_file_fails_at_load_naming_the_entry(tmp_path, change, entry):
    data = yaml.safe_load(DEFAULT_SUMMARY_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "summary.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        load_summary_texts(path)
    assert str(path) in str(error.value) and f"'{entry}'" in str(error.value)
