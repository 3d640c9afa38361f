"""The per-suite counts at the end of `make test` (scripts/test_summary.py)."""
import json
import subprocess
import sys

from sciatica import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "test_summary.py"
JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0"
 skipped="1" tests="3" time="12.5"><testcase classname="tests.unit.test_catalog" name="test_a"/>
 <testcase classname="tests.unit.test_catalog" name="test_b"/><testcase classname="tests.unit.test_catalog"
 name="test_seeds"><skipped type="pytest.skip" message="source documents not found">why</skipped></testcase>
 </testsuite></testsuites>"""


def run(results, stories):
    done = subprocess.run([sys.executable, str(SCRIPT), "--results", str(results), "--stories", str(stories)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counts_per_suite_with_the_reasons_of_skips(tmp_path):
    (tmp_path / "junit").mkdir()
    (tmp_path / "junit" / "unit.xml").write_text(JUNIT)
    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "failed_test_stories.yml").write_text("# None of the test stories failed - all good!\n")
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "intent_report.json").write_text(json.dumps(
        {"accuracy": 0.9, "macro avg": {"f1-score": 0.95}, "weighted avg": {"support": 40}}))
    stories = tmp_path / "test_stories"
    stories.mkdir()
    (stories / "a.yml").write_text("stories:\n  - story: one\n    steps: []\n  - story: two\n    steps: []\n")
    out = run(tmp_path, stories)
    assert "unit         2 passed, 1 skipped (12 s)" in out
    assert "stories      2 of 2 test stories predicted correctly" in out
    assert "40 held-out messages, intent accuracy 0.900, macro F1 0.950" in out
    assert "integration  not run" in out
    assert "unit: tests.unit.test_catalog::test_seeds: source documents not found" in out


def test_a_suite_without_results_of_this_run_is_not_run(tmp_path):
    out = run(tmp_path, tmp_path)
    for suite in ("unit", "stories", "nlu-holdout", "integration", "browser", "reliability"):
        assert f"{suite:<12} not run" in out
