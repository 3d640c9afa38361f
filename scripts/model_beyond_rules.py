"""What the trained model's own red-flag intents would add to the rules, if they referred.

On a triage set (default: the development set tests/triage/holdout/), every message is
parsed by the trained model. For the emergency and urgent messages the rules refer below
their level (or not at all), it counts how many the model's own red-flag intent
(`model_intent`, before RedFlagTriage) would refer at their level from each confidence
threshold; for the look-alikes, how many more it would send to emergency or urgent.
Counts only: it prints no message. README, "May the trained model refer by itself?".

    .venv/bin/python scripts/model_beyond_rules.py [--model models/sciatica.tar.gz] [set folder]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
RANK = {None: 0, "gp": 1, "urgent": 2, "emergency": 3}
SERIOUS = ("emergency", "urgent")


def levels_of(parsed: dict) -> tuple[str | None, str | None, float]:
    """The rules' level, the model's own red-flag level (if its intent is one) and its confidence."""
    triage = parsed.get("triage") or {}
    named = [flag for flag in triage.get("red_flags") or [] if not flag.startswith("unclassified_")]
    own = parsed.get("model_intent") or {}
    name = own.get("name") or ""
    level = name.removeprefix("red_flag_")
    model_level = level if name.startswith("red_flag_") and level in (*SERIOUS, "gp") else None
    return (triage.get("level") if named else None), model_level, float(own.get("confidence") or 0.0)


def count(rows, threshold: float) -> tuple[int, int, int, int]:
    """(serious the rules under-refer, of them referred by the model, look-alikes, of them sent on)."""
    missed = [r for r in rows if r[0] in SERIOUS and RANK[r[1]] < RANK[r[0]]]
    added = sum(1 for r in missed if r[2] and r[3] >= threshold and RANK[r[2]] >= RANK[r[0]])
    alikes = [r for r in rows if r[0] is None]
    sent = sum(1 for r in alikes if r[2] in SERIOUS and r[3] >= threshold and r[1] not in SERIOUS)
    return len(missed), added, len(alikes), sent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "triage" / "holdout"))
    parser.add_argument("--model", default=str(ROOT / "models" / "sciatica.tar.gz"))
    args = parser.parse_args(argv)
    os.environ.setdefault("TQDM_DISABLE", "1")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings

    from sciatica.triage_replies import load_cases

    configure_logging_and_warnings(logging.ERROR)
    warnings.filterwarnings("ignore")
    logging.getLogger().setLevel(logging.ERROR)
    agent = Agent.load(args.model)
    cases = load_cases([Path(args.folder)])

    async def parse_all():
        return [(case.level, *levels_of(await agent.parse_message(case.text))) for case in cases]

    rows = asyncio.run(parse_all())
    print("| threshold | serious messages the rules under-refer | referred at their level by the model | "
          "look-alikes | more of them sent to emergency or urgent |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for threshold in THRESHOLDS:
        missed, added, alikes, sent = count(rows, threshold)
        print(f"| {threshold} | {missed} | {added} | {alikes} | {sent} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
