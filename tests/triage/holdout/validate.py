"""Validate the held-out red-flag test set (stdlib + PyYAML only; the checks are in ../set_check.py).

Checks: every file loads with yaml.safe_load; every case has text/original/source/flags/level;
flags are from the 19 ids of ../shared/clinical/red-flags.md; level equals the highest level of
the flags, allowing the combined-warning raises of the clinical reference (cancer history + new leg
weakness/numbness = cancer_with_neuro; fever + injecting drugs / immune suppression -> emergency);
look-alikes (no flags) have level null and an own_symptoms boolean; no duplicate texts.

Independence from the development set (tests/triage/external/*.yml), checked programmatically:
  * no source or also_in URL of this set appears as a source/also_in URL there;
  * no text/original of this set equals a text/original there (whitespace and quotes normalised);
  * no sentence (> 25 characters) of a text/original here occurs inside any text/original there,
    and no sentence there is also a whole sentence here. A development phrase that is merely a
    part of a longer, different sentence here (e.g. "unexplained weight loss") is reported as a
    note, not an error.
Prints counts per flag, level and file.
Run: python3 tests/triage/holdout/validate.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRIAGE = os.path.dirname(HERE)
sys.path.insert(0, TRIAGE)

from set_check import check  # noqa: E402

check(HERE, earlier=[os.path.join(TRIAGE, "external")], earlier_name="the development set (tests/triage/external)",
      set_name="holdout")
