"""The checks every red-flag set in tests/triage/ passes (stdlib + PyYAML only).

Each set's validate.py calls `check` with its own rules; see the docstring there.
Common to all: every file loads with yaml.safe_load and has a source_group and a cases
list; every case has text/original/source/flags/level; flags are from the 19 ids of
../shared/clinical/red-flags.md; level equals the highest level of the flags, allowing the
combined-warning raises of the clinical reference (cancer history + new leg weakness/numbness
= cancer_with_neuro; fever + injecting drugs / immune suppression -> emergency); look-alikes
(no flags) have an own_symptoms boolean; no duplicate texts; every id has a case.

Independence from earlier sets (`earlier`), when given:
  * no source or also_in URL of this set appears as a source/also_in URL there;
  * no text/original of this set equals a text/original there (whitespace and quotes normalised);
  * no sentence (> 25 characters) of a text/original here occurs inside any text/original there,
    and no sentence there is also a whole sentence here. A phrase there that is merely a part of
    a longer, different sentence here (e.g. "unexplained weight loss") is reported as a note,
    not an error.
Prints counts per flag, level and file; exits 1 on any error.
"""
import collections
import glob
import os
import re
import sys

import yaml

LEVELS = {
    "saddle_anaesthesia": "emergency", "bladder_dysfunction": "emergency",
    "bowel_dysfunction": "emergency", "sexual_dysfunction": "emergency",
    "bilateral_symptoms": "emergency", "severe_bilateral_weakness": "emergency",
    "major_trauma": "emergency", "vascular": "emergency", "cancer_with_neuro": "emergency",
    "foot_drop": "urgent", "progressive_weakness": "urgent", "fever_infection": "urgent",
    "cancer_history": "urgent", "weight_loss": "urgent", "night_pain": "urgent",
    "fragility_fracture": "urgent", "spinal_deformity": "urgent",
    "not_improving": "gp", "exercise_worsens": "gp",
}
RANK = {None: 0, "gp": 1, "urgent": 2, "emergency": 3}
REQUIRED = ("text", "original", "source", "flags", "level")


def norm(s):
    s = s.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip()


def sentences(s):
    return [x.strip() for x in re.split(r"(?<=[.!?])\s+", norm(s)) if len(x.strip()) > 25]


def read_earlier(dirs):
    """URLs and normalised texts of the earlier sets (only read for the independence check)."""
    urls, texts = set(), []
    for path in sorted(p for d in dirs for p in glob.glob(os.path.join(d, "*.yml"))):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for case in doc.get("cases", []):
            urls.add(str(case.get("source", "")).strip())
            for u in case.get("also_in", []) or []:
                urls.add(str(u).strip())
            for k in ("text", "original"):
                if isinstance(case.get(k), str):
                    texts.append(norm(case[k]))
    return urls, texts


def check(here, earlier=(), earlier_name="", set_name="", lookalike_levels=(None,), own_symptoms_only_lookalikes=True):
    """Validate the set in `here`, independent of the sets in `earlier` (directories)."""
    errors, notes = [], []
    dev_urls, dev_texts = read_earlier(earlier)
    dev_blob = "\n".join(dev_texts)
    dev_set = set(dev_texts)
    per_flag = collections.Counter()
    per_level = collections.Counter()
    per_file = {}
    texts = {}
    mine_texts = []
    n_red = n_look = 0

    for path in sorted(glob.glob(os.path.join(here, "*.yml"))):
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            errors.append(f"{name}: does not load: {exc}")
            continue
        if not isinstance(doc, dict) or "source_group" not in doc or not isinstance(doc.get("cases"), list):
            errors.append(f"{name}: needs source_group and a cases list")
            continue
        red = look = 0
        for i, case in enumerate(doc["cases"]):
            where = f"{name}#{i + 1}"
            missing = [k for k in REQUIRED if k not in case]
            if missing:
                errors.append(f"{where}: missing {missing}")
                continue
            for k in ("text", "original", "source"):
                if not isinstance(case[k], str) or not case[k].strip():
                    errors.append(f"{where}: {k} must be a non-empty string")
            flags = case["flags"]
            if not isinstance(flags, list):
                errors.append(f"{where}: flags must be a list")
                continue
            bad = [f for f in flags if f not in LEVELS]
            if bad:
                errors.append(f"{where}: unknown flags {bad}")
                continue
            if len(set(flags)) != len(flags):
                errors.append(f"{where}: repeated flag")
            level = case["level"]
            if level not in RANK:
                errors.append(f"{where}: bad level {level!r}")
                continue
            highest = max((LEVELS[f] for f in flags), key=RANK.get, default=None)
            raised = "cancer_with_neuro" in flags or ("fever_infection" in flags and level == "emergency")
            if flags:
                if level != highest and not (raised and RANK[level] > RANK[highest]):
                    errors.append(f"{where}: level {level} but highest flag level is {highest}")
                if own_symptoms_only_lookalikes and "own_symptoms" in case:
                    errors.append(f"{where}: own_symptoms is for look-alikes only")
                red += 1
            else:
                if level not in lookalike_levels:
                    errors.append(f"{where}: look-alike with level {level}")
                if not isinstance(case.get("own_symptoms"), bool):
                    errors.append(f"{where}: look-alike needs own_symptoms true/false")
                look += 1
            if "also_in" in case and not isinstance(case["also_in"], list):
                errors.append(f"{where}: also_in must be a list")
            if earlier:
                for u in [case["source"]] + list(case.get("also_in", []) or []):
                    if str(u).strip() in dev_urls:
                        errors.append(f"{where}: URL also in {earlier_name}: {u}")
                for k in ("text", "original"):
                    t = norm(case[k])
                    mine_texts.append((where, t))
                    if t in dev_set:
                        errors.append(f"{where}: {k} equals a text of {earlier_name}")
                    for s in sentences(case[k]):
                        if s in dev_blob:
                            errors.append(f"{where}: sentence also in {earlier_name}: {s[:70]}")
            key = re.sub(r"\s+", " ", case["text"]).strip().lower()
            if key in texts:
                errors.append(f"{where}: duplicate text (also {texts[key]})")
            texts[key] = where
            for f in flags:
                per_flag[f] += 1
            per_level[str(level)] += 1
        per_file[name] = (red, look)
        n_red += red
        n_look += look

    if earlier:
        mine_blob = "\n".join(t for _, t in mine_texts)
        mine_sents = {s for _, t in mine_texts for s in sentences(t)}
        mine_whole = {t for _, t in mine_texts}
        for d in set(dev_texts):
            for s in sentences(d):
                if s in mine_sents:
                    errors.append(f"sentence of {earlier_name} is a sentence of the {set_name} set: {s[:70]}")
            # a phrase there that is only a part of a longer, different sentence here: reported, allowed
            if len(d) <= 40 and d in mine_blob and d not in mine_whole and d not in mine_sents:
                hits = [w for w, t in mine_texts if d in t]
                notes.append(f"phrase of {earlier_name} {d!r} is part of a longer {set_name} sentence "
                             f"({', '.join(sorted(set(hits)))})")

    print(f"cases: {n_red + n_look}  red-flag: {n_red}  look-alike: {n_look}")
    print("\nper flag:")
    for f in LEVELS:
        print(f"  {f:27s} {LEVELS[f]:9s} {per_flag[f]}")
    print("\nper level:")
    for lv in ("emergency", "urgent", "gp", "None"):
        print(f"  {lv:10s} {per_level[lv]}")
    print("\nper file (red-flag, look-alike):")
    for name, (r, l) in per_file.items():
        print(f"  {name:32s} {r:4d} {l:4d}")
    if earlier:
        print(f"\nindependence: {len(dev_urls)} URLs and {len(dev_set)} texts of {earlier_name} compared")
        for n in notes:
            print("  note: " + n)
    missing_ids = [f for f in LEVELS if per_flag[f] == 0]
    if missing_ids:
        errors.append(f"ids with no case: {missing_ids}")
    if errors:
        print("\nERRORS:")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK")
