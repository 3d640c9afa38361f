"""`python -m sciatica.triage_replies` prints one line per miss, whatever the message's layout."""
from sciatica import triage_replies
from sciatica.triage_replies import Case, Reply


def test_a_miss_spread_over_lines_prints_as_one_line(monkeypatch, capsys, tmp_path):
    story = Case(text="I was frozen,\nI couldn't move\n\nmy legs", flags=("severe_bilateral_weakness",),
                 level="emergency", source="", group="forums")
    monkeypatch.setattr(triage_replies, "load_cases", lambda paths: [story])
    monkeypatch.setattr(triage_replies, "ReplyReader", lambda project: None)
    monkeypatch.setattr(triage_replies, "ask_each", lambda url, cases, reader: [Reply(texts=["Sorry,\nwhat?"])])

    assert triage_replies.main([str(tmp_path)]) == 0

    misses = [line for line in capsys.readouterr().out.splitlines() if "frozen" in line]
    assert misses == ["MISS emergency/severe_bilateral_weakness referral=None asked=None: "
                      "I was frozen, I couldn't move my legs -> Sorry, what?"]
