"""Validate the external red-flag evaluation set (stdlib + PyYAML only; the checks are in ../set_check.py).

Checks: every file loads with yaml.safe_load; every case has text/original/source/flags/level;
flags are from the 19 ids; level equals the highest level of the flags, allowing the
combined-warning raises of the clinical reference (cancer history + new leg weakness/numbness,
fever + injecting drugs / immune suppression); look-alikes (no flags) have level null or gp and
an own_symptoms boolean; no duplicate texts. Prints counts per flag, level and file.
Run: python3 tests/triage/external/validate.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRIAGE = os.path.dirname(HERE)
sys.path.insert(0, TRIAGE)

from set_check import check  # noqa: E402

check(HERE, lookalike_levels=(None, "gp"), own_symptoms_only_lookalikes=False)
