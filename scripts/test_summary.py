"""The last lines of `make test`: what each suite ran, passed and skipped, and why it skipped.

Reads what the suites of this run wrote under results/: the JUnit files of the
pytest suites (results/junit/<suite>.xml), the test-story report (results/stories)
and the held-out NLU report (results/nlu). `make test` empties those first, so a
suite that did not run in this run shows as "not run", never as an old result.
"""
from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTEST_SUITES = ("unit", "integration", "browser", "reliability")
ORDER = ("validate", "unit", "stories", "nlu-holdout", "integration", "browser", "reliability")


def pytest_counts(path: Path) -> dict | None:
    """tests, passed, failed, skipped, seconds and skip reasons of one JUnit file."""
    if not path.is_file():
        return None
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    counts = {"tests": 0, "failed": 0, "skipped": 0, "seconds": 0.0, "reasons": []}
    for suite in suites:
        counts["tests"] += int(suite.get("tests", 0))
        counts["failed"] += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        counts["skipped"] += int(suite.get("skipped", 0))
        counts["seconds"] += float(suite.get("time", 0.0))
        for case in suite.iter("testcase"):
            for skipped in case.findall("skipped"):
                name = f"{case.get('classname', '')}::{case.get('name', '')}"
                counts["reasons"].append(f"{name}: {skipped.get('message', '').strip()}")
    counts["passed"] = counts["tests"] - counts["failed"] - counts["skipped"]
    return counts


def story_counts(results: Path, stories_dir: Path) -> str | None:
    failed_file = results / "stories" / "failed_test_stories.yml"
    if not failed_file.is_file():
        return None
    total = 0
    for path in sorted(stories_dir.glob("*.yml")):
        total += len((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or [])
    failed = len((yaml.safe_load(failed_file.read_text(encoding="utf-8")) or {}).get("stories") or [])
    return f"{total - failed} of {total} test stories predicted correctly"


def nlu_counts(results: Path) -> str | None:
    report = results / "nlu" / "intent_report.json"
    if not report.is_file():
        return None
    data = json.loads(report.read_text())
    examples = int(data.get("weighted avg", {}).get("support", 0))
    return f"{examples} held-out messages, intent accuracy {data['accuracy']:.3f}, macro F1 {data['macro avg']['f1-score']:.3f}"


def summary_lines(results: Path, stories_dir: Path) -> list[str]:
    lines = ["make test: per suite"]
    reasons: list[str] = []
    for suite in ORDER:
        if suite == "validate":
            line = "passed (rasa data validate --fail-on-warnings)"
        elif suite == "stories":
            line = story_counts(results, stories_dir)
        elif suite == "nlu-holdout":
            line = nlu_counts(results)
        else:
            counts = pytest_counts(results / "junit" / f"{suite}.xml")
            line = None
            if counts:
                line = f"{counts['passed']} passed, {counts['skipped']} skipped"
                if counts["failed"]:
                    line += f", {counts['failed']} FAILED"
                line += f" ({counts['seconds']:.0f} s)"
                reasons += [f"{suite}: {reason}" for reason in counts["reasons"]]
        lines.append(f"  {suite:<12} {line or 'not run'}")
    if reasons:
        lines.append("skipped, and why:")
        lines += [f"  {reason}" for reason in reasons]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--stories", type=Path, default=ROOT / "tests" / "stories")
    args = parser.parse_args(argv)
    print("\n".join(summary_lines(args.results, args.stories)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
