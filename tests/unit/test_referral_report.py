"""The referral report's counts, from stored events (no database, no server)."""
import re
from datetime import datetime, timezone

from sciatica.referral_report import build_report, format_report

DAY1 = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc).timestamp()
DAY2 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc).timestamp()


def user(when, text, intent, entities=()):
    return {"event": "user", "timestamp": when, "text": text,
            "parse_data": {"intent": {"name": intent}, "entities": list(entities)}}


def referral(when, level, flags):
    return {"event": "bot", "timestamp": when, "text": "See a doctor",
            "data": {"custom": {"type": "referral", "level": level, "red_flags": flags}}}


def entity(kind, value):
    return {"entity": kind, "value": value}


def rows():
    emergency = [user(DAY1, "I can't feel my bum", "red_flag_emergency", [entity("red_flag", "saddle_anaesthesia")]),
                 {"event": "action", "name": "utter_referral_emergency", "timestamp": DAY1 + 1},
                 referral(DAY1 + 1, "emergency", ["saddle_anaesthesia"])]
    hint_answered_no = [
        user(DAY2, "can sciatica affect my bladder", "red_flag_hint", [entity("red_flag_hint", "bladder_dysfunction")]),
        {"event": "active_loop", "name": "screening_form", "timestamp": DAY2 + 1},
        user(DAY2 + 2, "no", "deny"),
        {"event": "active_loop", "name": None, "timestamp": DAY2 + 3},
        {"event": "action", "name": "action_screening_outcome", "timestamp": DAY2 + 3},
    ]
    screened_and_referred = [
        user(DAY2, "pain down my leg", "describe_symptoms"),
        {"event": "active_loop", "name": "screening_form", "timestamp": DAY2 + 1},
        user(DAY2 + 2, "yes", "affirm"),
        {"event": "action", "name": "action_screening_outcome", "timestamp": DAY2 + 3},
        referral(DAY2 + 3, "emergency", ["bladder_dysfunction", "bowel_dysfunction"]),
    ]
    suspected_then_left = [user(DAY2 + 50, "something odd", "red_flag_suspected", [entity("red_flag", "unclassified_gp")]),
                           referral(DAY2 + 51, "gp", ["unclassified_gp"]),
                           {"event": "active_loop", "name": "screening_form", "timestamp": DAY2 + 51},
                           user(DAY2 + 60, "my bum feels odd", "red_flag_hint", [entity("red_flag_hint", "saddle_anaesthesia")])]
    return ([("a", e) for e in emergency] + [("b", e) for e in hint_answered_no]
            + [("c", e) for e in screened_and_referred] + [("d", e) for e in suspected_then_left])


def test_referrals_are_counted_per_day_level_and_flag():
    report = build_report(rows())
    assert report.conversations == 4
    assert report.referrals == {
        ("2026-11-30", "emergency", "saddle_anaesthesia"): 1,
        ("2026-12-01", "emergency", "bladder_dysfunction"): 1,
        ("2026-12-01", "emergency", "bowel_dysfunction"): 1,
        ("2026-12-01", "gp", "unclassified_gp"): 1,
    }
    assert report.referral_messages == {("2026-11-30", "emergency"): 1, ("2026-12-01", "emergency"): 1,
                                        ("2026-12-01", "gp"): 1}


def test_screenings_started_and_completed():
    report = build_report(rows())
    assert dict(report.screenings_started) == {"2026-12-01": 3}
    assert dict(report.screenings_completed) == {"2026-12-01": 2}


def test_topics_without_a_referral_after_them_are_listed_without_text():
    report = build_report(rows())
    assert [(u.sender_id, u.topics, u.screening_completed) for u in report.unreferred] == [
        ("b", ["bladder_dysfunction (hint)"], True),
        ("d", ["saddle_anaesthesia (hint)"], False),  # the hint after the referral, never answered
    ]
    text = format_report(report, "test store")
    assert "bladder" not in text.replace("bladder_dysfunction", "")
    assert "can sciatica" not in text and "my bum" not in text
    assert re.search(r"2026-11-30 +emergency +saddle_anaesthesia +1\n", text), text


def test_show_text_adds_what_was_said_about_the_topic_only():
    report = build_report(rows(), with_text=True)
    assert [u.texts for u in report.unreferred] == [["can sciatica affect my bladder"], ["my bum feels odd"]]
    assert "b said: can sciatica affect my bladder" in format_report(report, "test store")


def test_since_leaves_out_earlier_days():
    report = build_report(rows(), since=DAY2 - 3600)
    assert all(day == "2026-12-01" for day, _, _ in report.referrals)
    assert report.as_dict()["from"] == "2026-12-01"


def test_an_empty_store_reports_none():
    text = format_report(build_report([]), "empty")
    assert "0 conversation(s)" in text and text.count("  none") == 4
