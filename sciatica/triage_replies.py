"""What the bot does with a red-flag message as the first message of a conversation.

Each labelled message is sent to a running bot over REST, in a new conversation, and
the reply is read as the widget reads it: a referral payload (level, red flags), a
safety question (the `safety_question` payload, or, for bots older than that payload,
a screening question recognised by its text), an exercise, the fallback, or "which
exercise". Used by `make eval` (scripts/eval.py), the integration tests, and on
its own against any running bot:

    python -m sciatica.triage_replies --url http://127.0.0.1:5005 tests/triage/external
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from sciatica import PROJECT_ROOT as ROOT

RANK = {None: 0, "gp": 1, "urgent": 2, "emergency": 3}
SERIOUS = ("emergency", "urgent")


@dataclass(frozen=True)
class Case:
    text: str
    flags: tuple[str, ...]
    level: str | None
    source: str
    group: str
    own_symptoms: bool | None = None


@dataclass
class Reply:
    referral_level: str | None = None
    referral_flags: tuple[str, ...] = ()
    question_level: str | None = None  # the level a "yes" to the question asked refers at
    question_flags: tuple[str, ...] = ()
    # The usual screening began: every flag it asks about (`usual_flags`) is reached.
    screening_started: bool = False
    usual_flags: frozenset[str] = frozenset()
    gp_flags: frozenset[str] = frozenset()
    exercise: bool = False
    fallback: bool = False
    which_exercise: bool = False
    texts: list[str] = field(default_factory=list)

    @property
    def asked(self) -> bool:
        return self.question_level is not None or bool(self.question_flags)


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Cases of every YAML file under the given files or folders."""
    cases = []
    for path in paths:
        files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
        for file in files:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
            group = data.get("source_group", file.stem)
            for case in data["cases"]:
                cases.append(Case(
                    text=case["text"], flags=tuple(case.get("flags") or ()), level=case.get("level"),
                    source=case.get("source", ""), group=group, own_symptoms=case.get("own_symptoms"),
                ))
    return cases


class ReplyReader:
    """Reads a turn's messages; knows the bot's screening questions and fallback texts."""

    def __init__(self, project: Path):
        screening = yaml.safe_load((project / "data" / "triage" / "screening.yml").read_text())["questions"]
        flags = yaml.safe_load((project / "data" / "triage" / "red_flags.yml").read_text())["flags"]
        level_of = {flag["id"]: flag["level"] for flag in flags}
        self.questions = [
            (_squash(q["question"])[:60], tuple(q["flags"]), max((level_of[f] for f in q["flags"]), key=RANK.get))
            for q in screening
        ]
        # Older screening files have no `ask`: every question is part of the usual order.
        usual = [q for q in screening if q.get("ask", "always") == "always"]
        self.first_usual = usual[0]["slot"]
        self.first_usual_text = _squash(usual[0]["question"])[:60]
        self.usual_flags = frozenset(flag for q in usual for flag in q["flags"])
        self.gp_flags = frozenset(flag for flag, level in level_of.items() if level == "gp")
        domain = yaml.safe_load((project / "domain.yml").read_text())
        messages = yaml.safe_load((project / "data" / "messages.yml").read_text())["messages"]
        self.fallback = _squash(domain["responses"]["utter_default"][0]["text"])[:50]
        self.which_exercise = _squash(messages["which_exercise"])[:40]

    def read(self, messages: list[dict[str, Any]]) -> Reply:
        reply = Reply()
        for message in messages:
            custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
            text = _squash(message.get("text") or "")
            reply.texts.append(message.get("text") or json.dumps(custom))
            kind = custom.get("type")
            if kind == "referral" and RANK[custom.get("level")] > RANK[reply.referral_level]:
                reply.referral_level, reply.referral_flags = custom["level"], tuple(custom.get("red_flags") or ())
            elif kind == "safety_question" and not reply.asked:
                reply.question_level = custom.get("level_if_yes")
                reply.question_flags = tuple(custom.get("red_flags") or ())
                reply.screening_started = custom.get("slot") == self.first_usual and not custom.get("asked_because")
            elif kind == "exercise":
                reply.exercise = True
            if text and not reply.asked:
                for start, flags, level in self.questions:
                    if start in text:
                        reply.question_level, reply.question_flags = level, flags
                        reply.screening_started = start == self.first_usual_text
            reply.usual_flags, reply.gp_flags = self.usual_flags, self.gp_flags
            reply.fallback |= bool(text) and self.fallback in text
            reply.which_exercise |= bool(text) and self.which_exercise in text
        return reply


def ask_each(url: str, cases: list[Case], reader: ReplyReader) -> list[Reply]:
    """Each case as the first message of its own conversation."""
    replies = []
    for case in cases:
        body = {"sender": f"eval-{uuid.uuid4().hex}", "message": case.text}
        request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            replies.append(reader.read(json.loads(response.read() or b"[]")))
    return replies


# ------------------------------------------------------------------------ scores


def covered(case: Case, reply: Reply) -> bool:
    """Referred at its level (or higher), or asked a question whose "yes" refers at that level
    about one of its flags, or the usual screening began and asks about each of its flags."""
    if RANK[reply.referral_level] >= RANK[case.level]:
        return True
    if RANK[reply.question_level] < RANK[case.level]:
        return False
    serious = set(case.flags) - reply.gp_flags
    if not serious:
        return True  # a GP-level finding: the screening comes first, the referral after it
    return bool(serious & set(reply.question_flags)) or (reply.screening_started and serious <= reply.usual_flags)


def wrong_kind_of_answer(reply: Reply) -> bool:
    """No referral and no question, but a fallback, an exercise or "which exercise"."""
    return reply.referral_level is None and not reply.asked and (reply.fallback or reply.exercise or reply.which_exercise)


def score(cases: list[Case], replies: list[Reply]) -> dict[str, Any]:
    """The figures of the triage targets, overall, per source group and per flag."""
    def figures(pairs: list[tuple[Case, Reply]]) -> dict[str, Any]:
        red = [(c, r) for c, r in pairs if c.level is not None]
        serious = [(c, r) for c, r in red if c.level in SERIOUS]
        emergency = [(c, r) for c, r in red if c.level == "emergency"]
        looks = [(c, r) for c, r in pairs if c.level is None]
        unneeded = [(c, r) for c, r in looks if c.own_symptoms is False and r.asked and r.referral_level is None]
        return {
            "red_flag_messages": len(red),
            "serious_messages": len(serious),
            "serious_covered": sum(covered(c, r) for c, r in serious),
            "serious_referred_at_level": sum(RANK[r.referral_level] >= RANK[c.level] for c, r in serious),
            "emergency_messages": len(emergency),
            "emergency_referred_at_emergency": sum(r.referral_level == "emergency" for c, r in emergency),
            "red_flag_referred_or_asked_at_level": sum(covered(c, r) for c, r in red),
            "red_flag_nothing": sum(r.referral_level is None and not r.asked for c, r in red),
            "red_flag_wrong_kind_of_answer": sum(wrong_kind_of_answer(r) for c, r in red),
            "look_alikes": len(looks),
            "look_alikes_sent_to_emergency_or_urgent": sum(r.referral_level in SERIOUS for c, r in looks),
            "look_alikes_not_own_symptoms": sum(c.own_symptoms is False for c, r in looks),
            "look_alikes_asked_a_question_they_did_not_need": len(unneeded),
        }

    pairs = list(zip(cases, replies))
    by_group: dict[str, list] = defaultdict(list)
    by_flag: dict[str, list] = defaultdict(list)
    for case, reply in pairs:
        by_group[case.group].append((case, reply))
        for flag in case.flags:
            by_flag[flag].append((case, reply))
    return {
        "all": figures(pairs),
        "by_group": {group: figures(items) for group, items in sorted(by_group.items())},
        "by_flag": {
            flag: {
                "messages": len(items),
                "covered": sum(covered(c, r) for c, r in items),
                "referred_at_level": sum(RANK[r.referral_level] >= RANK[c.level] for c, r in items),
                "flag_named": sum(flag in r.referral_flags for c, r in items),
            }
            for flag, items in sorted(by_flag.items())
        },
    }


def misses(cases: list[Case], replies: list[Reply]) -> list[dict[str, Any]]:
    """Red flags neither referred nor asked at their level, and look-alikes sent to A&E or urgent care."""
    found = []
    for case, reply in zip(cases, replies):
        if (case.level is not None and not covered(case, reply)) or (case.level is None and reply.referral_level in SERIOUS):
            found.append({
                "text": case.text, "expected": case.level, "flags": list(case.flags), "group": case.group,
                "referral": reply.referral_level, "asked": reply.question_level,
                "answer": " | ".join(t[:70] for t in reply.texts[:2]),
            })
    return found


def _squash(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--project", type=Path, default=ROOT, help="the bot's project folder (its screening texts)")
    parser.add_argument("--json", type=Path, help="write scores and misses here")
    args = parser.parse_args(argv)
    cases = load_cases(args.paths)
    replies = ask_each(args.url, cases, ReplyReader(args.project))
    result = {"scores": score(cases, replies), "misses": misses(cases, replies)}
    print(json.dumps(result["scores"]["all"], indent=1))
    for miss in result["misses"]:
        print(f"MISS {miss['expected']}/{','.join(miss['flags'])} referral={miss['referral']} asked={miss['asked']}: "
              f"{_squash(miss['text'])[:90]} -> {_squash(miss['answer'])[:90]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
