"""The hazard log (docs/clinical-safety/hazard-log.md) cannot go stale silently.

Every file it names must exist, every test it names must be defined in the file it
names, every hazard must have all its parts, and every risk must follow from its
severity and likelihood on the log's own matrix, in its section and in the table.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sciatica import PROJECT_ROOT

LOG = PROJECT_ROOT / "docs" / "clinical-safety" / "hazard-log.md"
SUMMARY = PROJECT_ROOT / "docs" / "clinical-safety" / "summary.md"
PARTS = ("Hazard", "Possible harm", "Causes", "Controls", "Evidence", "Before controls", "After controls",
         "Residual risk, and how the user is told")
SEVERITIES = ("Minor", "Significant", "Considerable", "Major", "Catastrophic")
LIKELIHOODS = ("Very low", "Low", "Medium", "High", "Very high")
# Hazards the issue asked for, by a word of their title.
EXPECTED = ("missed", "Under-triage", "Over-triage", "negation", "Another person", "exercise that harms",
            "down or silent", "invented exercise", "stale", "privacy", "another language", '"/" commands',
            "summary given to the wrong person")
# A path in backticks, optionally with ::test_name (or ::Class::test_name).
REFERENCE = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|yml|yaml|js|css|html|md|sh|json|txt)|(?:[\w.-]+/)+)(::[\w:]+)?`")
RATING = re.compile(r"severity (?P<severity>[A-Za-z]+), likelihood (?P<likelihood>[A-Za-z ]+?): risk (?P<risk>\d)")

TEXT = LOG.read_text(encoding="utf-8")
SECTIONS = dict(re.findall(r"^### (H\d\d): .*?\n(.*?)(?=^### |^## |\Z)", TEXT, flags=re.M | re.S))


def matrix() -> dict[tuple[str, str], int]:
    """(likelihood, severity) -> risk, from the log's own table."""
    table = TEXT[TEXT.index("| likelihood \\ severity"):].split("\n\n")[0].splitlines()[2:]
    risks = {}
    for row in table:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for severity, risk in zip(SEVERITIES, cells[1:]):
            risks[(cells[0], severity)] = int(risk)
    return risks


def references(text: str) -> list[tuple[str, str | None]]:
    return [(path, test[2:] if test else None) for path, test in REFERENCE.findall(text)]


def part(section: str, name: str) -> str:
    found = re.search(rf"^- \*\*{re.escape(name)}:\*\*(.*?)(?=^- \*\*|\Z)", section, flags=re.M | re.S)
    return found.group(1).strip() if found else ""


def defines(path: Path, test: str) -> bool:
    *classes, name = test.split("::")
    source = path.read_text(encoding="utf-8")
    if any(not re.search(rf"^class {re.escape(c)}\b", source, flags=re.M) for c in classes):
        return False
    return re.search(rf"^\s*(?:async\s+)?def {re.escape(name)}\(", source, flags=re.M) is not None


def test_the_log_lists_every_hazard_asked_for():
    titles = " ".join(re.findall(r"^### H\d\d: (.*)$", TEXT, flags=re.M))
    for expected in EXPECTED:
        assert expected.lower() in titles.lower(), f"no hazard about {expected!r}"
    assert len(SECTIONS) >= len(EXPECTED)


@pytest.mark.parametrize("hazard", sorted(SECTIONS))
def test_every_hazard_has_all_its_parts(hazard):
    section = SECTIONS[hazard]
    for name in PARTS:
        assert part(section, name), f"{hazard} has no {name!r}"
    controls = [line for line in part(section, "Controls").splitlines() if line.strip().startswith("- ")]
    assert controls and all(references(line) for line in controls), f"{hazard}: a control names no file"
    tests = [test for _, test in references(part(section, "Evidence")) if test]
    assert tests, f"{hazard}: no test named as evidence"


@pytest.mark.parametrize("hazard", sorted(SECTIONS))
def test_every_file_and_test_named_exists(hazard):
    for path, test in references(SECTIONS[hazard]):
        target = PROJECT_ROOT / path
        assert target.exists(), f"{hazard}: {path} does not exist"
        if test:
            assert defines(target, test), f"{hazard}: {path} defines no test {test}"


@pytest.mark.parametrize("hazard", sorted(SECTIONS))
def test_every_risk_follows_from_its_severity_and_likelihood(hazard):
    risks = matrix()
    ratings = {}
    for when in ("Before controls", "After controls"):
        rating = RATING.search(part(SECTIONS[hazard], when))
        assert rating, f"{hazard}: {when} is not 'severity S, likelihood L: risk N'"
        key = (rating["likelihood"], rating["severity"])
        assert key[0] in LIKELIHOODS and key[1] in SEVERITIES, f"{hazard}: unknown rating {key}"
        assert int(rating["risk"]) == risks[key], f"{hazard}: {when} risk should be {risks[key]}"
        ratings[when] = int(rating["risk"])
    assert ratings["After controls"] <= ratings["Before controls"]
    assert ratings["After controls"] <= 3, f"{hazard}: an unacceptable residual risk"
    row = re.search(rf"^\| {hazard} \| .*? \| (\d) \| (\d) \|$", TEXT, flags=re.M)
    assert row, f"{hazard} is not in the table of hazards"
    assert (int(row[1]), int(row[2])) == (ratings["Before controls"], ratings["After controls"])


def test_the_summary_page_exists_and_is_linked_from_the_readme():
    assert SUMMARY.is_file()
    assert "docs/clinical-safety/summary.md" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for path, _ in references(SUMMARY.read_text(encoding="utf-8")):
        assert (PROJECT_ROOT / path).exists(), path


def test_a_renamed_test_is_caught(tmp_path):
    """The checks above do fail on a stale name (a check that cannot fail proves nothing)."""
    source = tmp_path / "test_example.py"
    source.write_text("def test_kept():\n    pass\n\nclass TestGroup:\n    def test_inside(self):\n        pass\n")
    assert defines(source, "test_kept") and defines(source, "TestGroup::test_inside")
    assert not defines(source, "test_renamed") and not defines(source, "OtherGroup::test_inside")
    assert references("`tests/unit/test_x.py::test_y` and `data/summary.yml`") == [
        ("tests/unit/test_x.py", "test_y"), ("data/summary.yml", None)]
