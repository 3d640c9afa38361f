"""`make eval`: how well the bot understands, triages, matches and converses.

- NLU: cross-validation on the training data (3 folds drawn once with a fixed seed,
  sciatica_rasa/nlu_eval.py) and the held-out files tests/nlu_holdout.yml and
  tests/nlu_external.yml (written by others; its messages that are training examples, in
  data/nlu/public_development_set.yml, answered by their fold's model, which did not see
  them): intent macro F1 of the model's own intent
  (before RedFlagTriage overrides it) and of the bot's final intent, the most confused
  pairs, in-scope questions answered with the fallback, entity F1 on the held-out file as
  `rasa test nlu` reports it per extractor; the trained red-flag intents alone on the
  look-alikes and the external red-flag set at each confidence threshold. The second
  file written by others, tests/nlu_external_fresh.yml, is scored for its totals only.
- Triage: red-flag recall and precision per flag and per referral level on
  tests/data/red_flag_cases.yml, through the whole trained NLU pipeline (model
  plus rules, as the bot runs it) and through the rule detector alone.
- Triage in conversation: each red-flag message of our own set and of the set written
  by others (tests/triage/external) as the first message of a conversation with the
  running bot: referred at its level, asked the question whose "yes" refers at that
  level, or answered otherwise; per source and per flag (sciatica/triage_replies.py).
- Catalog: top-1 accuracy of the exercise matcher on tests/data/catalog_queries.yml.
- Dialogue: story accuracy on tests/stories.

Writes results/eval/report.md (with the confusion matrices beside it) and
summary.json, and prints a short summary. `--folds 0` skips the cross-validation.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

OUT_DIR = ROOT / "results" / "eval"
MODEL = ROOT / "models" / "sciatica.tar.gz"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
EXTERNAL_NLU = ROOT / "tests" / "nlu_external.yml"
# Held out since it was committed (91b8af3): only its totals are kept and printed, never
# which messages failed, so that nobody tunes on it (tests/nlu_external_fresh_README.md).
FRESH_NLU = ROOT / "tests" / "nlu_external_fresh.yml"
# A second, blind labelling of both files (see sciatica_rasa.nlu_eval.label_agreement).
SECOND_LABELS = ROOT / "tests" / "nlu_external_second_labels.json"
# Issue 13's targets, printed next to the numbers (reported, not asserted).
TARGETS = {"cv_macro_f1": 0.85, "external_macro_f1": 0.90, "fallback_rate": 0.05, "red_flag_recall": 0.90}
TEST_STORIES = ROOT / "tests" / "stories"
RED_FLAG_CASES = ROOT / "tests" / "data" / "red_flag_cases.yml"
EXTERNAL_TRIAGE = ROOT / "tests" / "triage" / "external"
# The triage development set: what the model alone would add to the rules is counted on it.
TRIAGE_DEVELOPMENT = ROOT / "tests" / "triage" / "holdout"
NLU_DATA = ROOT / "data" / "nlu"
DEFAULT_FOLDS = 3
LEVELS = ("emergency", "urgent", "gp")
# `red_flag_suspected` (RedFlagTriage: only the trained model saw a red flag) is
# answered as a GP-level referral with the screening questions.
SUSPECTED_LEVEL = "gp"
# The referral level each of RedFlagTriage's other intents answers with: a hint is
# asked about, not referred; "urgent_ask" refers urgently, then asks.
TRIAGE_INTENT_LEVELS = {"suspected": SUSPECTED_LEVEL, "hint": None, "urgent_ask": "urgent"}
REPORT_KEYS_NOT_LABELS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def log(message: str) -> None:
    print(f"eval: {message}", flush=True)


# ------------------------------------------------------------------------ NLU


def run_cross_validation(folds: int, out: Path) -> float:
    """Cross-validation in its own process (it trains `folds` models); returns the seconds it took."""
    start = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "rasa.log"
    env = {**os.environ, "LOG_LEVEL": os.environ.get("EVAL_LOG_LEVEL", "WARNING")}
    with open(log_path, "wb") as log_file:
        result = subprocess.run(
            [sys.executable, __file__, "--cross-validation-worker", "--folds", str(folds), "--out", str(out)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    if result.returncode != 0:
        raise RuntimeError(f"cross-validation failed (exit {result.returncode}); see {log_path}")
    return time.monotonic() - start


def score_spanned_entities_only() -> None:
    """Let Rasa's entity scoring pass over entities without a span (see below)."""
    import rasa.nlu.test as nlu_test

    spanned = nlu_test.determine_intersection
    nlu_test.determine_intersection = lambda token, entity: (
        spanned(token, entity) if "start" in entity and "end" in entity else 0
    )


def cross_validation_worker(folds: int, out: Path) -> None:
    """k folds of data/nlu (the same folds every run and for every configuration compared),
    an NLU model trained on the others for each; both the model's own intent and the final
    intent scored (sciatica_rasa/nlu_eval.py). Written to out/cross_validation.json."""
    from sciatica_rasa import nlu_eval

    quiet_rasa()
    result = nlu_eval.cross_validate(ROOT / "config.yml", NLU_DATA, folds, out)
    nlu_eval.write_json(out / "cross_validation.json", result)


def intent_summary(report_dir: Path) -> dict[str, Any]:
    report = json.loads((report_dir / "intent_report.json").read_text())
    per_intent = {
        name: scores for name, scores in report.items()
        if name not in REPORT_KEYS_NOT_LABELS and isinstance(scores, dict)
    }
    return {
        "accuracy": report["accuracy"],
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "examples": sum(scores["support"] for scores in per_intent.values()),
        "worst_intents": sorted(
            ((name, scores["f1-score"], scores["support"]) for name, scores in per_intent.items()),
            key=lambda item: item[1],
        )[:5],
        "confused_pairs": confused_pairs(per_intent),
    }


def confused_pairs(per_intent: dict[str, dict[str, Any]], top: int = 5) -> list[tuple[str, str, int]]:
    """(true intent, predicted intent, count) from Rasa's `confused_with`, most frequent first."""
    pairs = [
        (name, other, count)
        for name, scores in per_intent.items()
        for other, count in (scores.get("confused_with") or {}).items()
    ]
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))[:top]


def entity_summary(report_dir: Path) -> dict[str, dict[str, Any]]:
    """Per extractor: micro F1 over entity types, and the F1 of each type it was tested on."""
    summaries = {}
    for path in sorted(report_dir.glob("*_report.json")):
        # RedFlagTriage's entities have no span: scored in the triage section instead.
        if path.name in {"intent_report.json", "response_selection_report.json", "RedFlagTriage_report.json"}:
            continue
        report = json.loads(path.read_text())
        types = {
            name: {"f1": scores["f1-score"], "precision": scores["precision"],
                   "recall": scores["recall"], "support": scores["support"]}
            for name, scores in report.items()
            if name not in REPORT_KEYS_NOT_LABELS and isinstance(scores, dict) and "f1-score" in scores
        }
        micro = report.get("micro avg") or report.get("weighted avg") or {}
        summaries[path.name.removesuffix("_report.json")] = {
            "micro_f1": micro.get("f1-score"), "types": types,
        }
    return summaries


# ------------------------------------------------------------------------ triage


@dataclass
class Case:
    text: str
    flags: frozenset[str]
    level: str | None


@dataclass
class Prediction:
    flags: frozenset[str]
    level: str | None
    model_only: bool = False  # referred by the trained model where the rules named no flag


@dataclass
class TriageScores:
    name: str
    per_flag: dict[str, dict[str, float]] = field(default_factory=dict)
    per_level: dict[str, dict[str, float]] = field(default_factory=dict)
    missed_emergencies: list[str] = field(default_factory=list)
    under_triaged: list[str] = field(default_factory=list)
    over_triaged: list[str] = field(default_factory=list)
    model_only: int = 0
    model_only_look_alikes: int = 0
    exact: int = 0
    total: int = 0


def load_cases(path: Path = RED_FLAG_CASES) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return [Case(c["text"], frozenset(c["expect_flags"] or ()), c["expect_level"]) for c in raw]


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def score_triage(name: str, cases: list[Case], predictions: list[Prediction]) -> TriageScores:
    scores = TriageScores(name, total=len(cases))
    flags = sorted({f for case in cases for f in case.flags})
    for flag in flags:
        tp = sum(flag in c.flags and flag in p.flags for c, p in zip(cases, predictions))
        fp = sum(flag not in c.flags and flag in p.flags for c, p in zip(cases, predictions))
        fn = sum(flag in c.flags and flag not in p.flags for c, p in zip(cases, predictions))
        scores.per_flag[flag] = {"support": tp + fn, "recall": _ratio(tp, tp + fn), "precision": _ratio(tp, tp + fp)}
    for level in LEVELS:
        expected = [p for c, p in zip(cases, predictions) if c.level == level]
        predicted = [c for c, p in zip(cases, predictions) if p.level == level]
        # Referred at this level or a more urgent one: what safety needs.
        at_least = [p for p in expected if p.level is not None and LEVELS.index(p.level) <= LEVELS.index(level)]
        scores.per_level[level] = {
            "support": len(expected),
            "recall": _ratio(sum(p.level == level for p in expected), len(expected)),
            "recall_at_least": _ratio(len(at_least), len(expected)),
            "precision": _ratio(sum(c.level == level for c in predicted), len(predicted)),
        }
    for case, prediction in zip(cases, predictions):
        scores.exact += case.level == prediction.level and case.flags == prediction.flags - _unclassified(prediction.flags)
        scores.model_only += prediction.model_only
        scores.model_only_look_alikes += prediction.model_only and case.level is None
        expected_rank = _rank(case.level)
        got_rank = _rank(prediction.level)
        if case.level == "emergency" and prediction.level != "emergency":
            scores.missed_emergencies.append(f"{case.text!r} -> {prediction.level}")
        if got_rank > expected_rank:
            scores.under_triaged.append(f"{case.text!r}: expected {case.level}, got {prediction.level}")
        elif got_rank < expected_rank and case.level not in ("emergency", "urgent") and prediction.level in ("emergency", "urgent"):
            scores.over_triaged.append(f"{case.text!r}: expected {case.level}, got {prediction.level}")
    return scores


def _rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _unclassified(flags: Iterable[str]) -> frozenset[str]:
    from sciatica.triage import UNCLASSIFIED_PREFIX

    return frozenset(f for f in flags if f.startswith(UNCLASSIFIED_PREFIX))


def rule_predictions(cases: list[Case]) -> list[Prediction]:
    from sciatica.nlp.red_flags import make_triage_nlp
    from sciatica.triage import assess, load_red_flags

    nlp, book = make_triage_nlp(), load_red_flags()
    predictions = []
    for case in cases:
        result = assess(nlp(case.text), book)
        predictions.append(Prediction(frozenset(result.flags), result.level))
    return predictions


async def pipeline_predictions(agent: Any, cases: list[Case]) -> list[Prediction]:
    """What the bot's NLU makes of each message: RedFlagTriage's intent and red_flag entities."""
    predictions = []
    for case in cases:
        parsed = await agent.parse_message(case.text)
        intent = (parsed.get("intent") or {}).get("name") or ""
        level = intent.removeprefix("red_flag_") if intent.startswith("red_flag_") else None
        level = TRIAGE_INTENT_LEVELS.get(level, level)
        flags = frozenset(e["value"] for e in parsed.get("entities", []) if e.get("entity") == "red_flag")
        predictions.append(Prediction(flags, level, model_only=bool(flags) and flags == _unclassified(flags)))
    return predictions


def conversation_triage(out: Path) -> dict[str, Any]:
    """First-message behaviour on our own set and the external set, through a running bot."""
    from sciatica.triage_replies import ReplyReader, ask_each, misses, score
    from sciatica.triage_replies import load_cases as load_reply_cases
    from sciatica_rasa.stack import Stack

    own = [replace_case(case) for case in yaml.safe_load(RED_FLAG_CASES.read_text())["cases"]]
    external = load_reply_cases([EXTERNAL_TRIAGE])
    reader = ReplyReader(ROOT)
    with Stack.on_free_ports(out / "stack").serving() as stack:
        results = {}
        for name, cases in (("own set", own), ("external set", external)):
            replies = ask_each(stack.rasa_url, cases, reader)
            results[name] = {"scores": score(cases, replies), "misses": misses(cases, replies)}
    return results


def replace_case(raw: dict[str, Any]):
    from sciatica.triage_replies import Case as ReplyCase

    own_symptoms = None if raw["expect_level"] else True
    return ReplyCase(text=raw["text"], flags=tuple(raw["expect_flags"] or ()), level=raw["expect_level"],
                     source="tests/data/red_flag_cases.yml", group="own set", own_symptoms=own_symptoms)


# Row labels of the conversation triage report: keep them, so runs compare over time.
CONVERSATION_ROWS = (
    ("serious messages referred or asked at their level", "serious_covered", "serious_messages"),
    ("serious messages referred at their level on the first message", "serious_referred_at_level", "serious_messages"),
    ("emergency messages referred at emergency on the first message", "emergency_referred_at_emergency",
     "emergency_messages"),
    ("red-flag messages referred or asked at their level (gp included)", "red_flag_referred_or_asked_at_level",
     "red_flag_messages"),
    ("red-flag messages with no referral and no question", "red_flag_nothing", "red_flag_messages"),
    ("red-flag messages answered with a fallback, an exercise or which-exercise", "red_flag_wrong_kind_of_answer",
     "red_flag_messages"),
    ("look-alikes sent to emergency or urgent", "look_alikes_sent_to_emergency_or_urgent", "look_alikes"),
    ("look-alikes asked a safety question they did not need", "look_alikes_asked_a_question_they_did_not_need",
     "look_alikes"),
)


def conversation_lines(results: dict[str, Any]) -> list[str]:
    lines = ["| measure | " + " | ".join(results) + " |", "| --- |" + " ---: |" * len(results)]
    for label, key, total in CONVERSATION_ROWS:
        cells = []
        for result in results.values():
            figures = result["scores"]["all"]
            cells.append(f"{figures[key]}/{figures[total]} ({pct(_ratio(figures[key], figures[total]))})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    external = results.get("external set")
    if external:
        lines += ["", "External set by source:", "",
                  "| source | red-flag messages | serious covered | emergency at emergency | look-alikes | "
                  "look-alikes to emergency/urgent |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for group, f in external["scores"]["by_group"].items():
            lines.append(f"| {group} | {f['red_flag_messages']} | {f['serious_covered']}/{f['serious_messages']} | "
                         f"{f['emergency_referred_at_emergency']}/{f['emergency_messages']} | {f['look_alikes']} | "
                         f"{f['look_alikes_sent_to_emergency_or_urgent']} |")
        lines += ["", "External set by flag:", "",
                  "| red flag | messages | referred or asked at level | referred at level | flag named |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for flag, f in external["scores"]["by_flag"].items():
            lines.append(f"| {flag} | {f['messages']} | {f['covered']} | {f['referred_at_level']} | {f['flag_named']} |")
    for name, result in results.items():
        lines += ["", f"{name}: neither referred nor asked at their level, or look-alikes sent to emergency/urgent: "
                  f"{len(result['misses'])}"]
        lines += [f"- {m['expected']} {','.join(m['flags'])}: {m['text'][:120]!r} -> referral {m['referral']}, "
                  f"question {m['asked']}" for m in result["misses"][:30]]
    return lines


# ------------------------------------------------------------------------ catalog, dialogue


def catalog_accuracy() -> dict[str, Any]:
    from sciatica.catalog import default_catalog
    from sciatica.matching import ExerciseMatcher, evaluate, load_labelled_queries

    catalog = default_catalog()
    report = evaluate(ExerciseMatcher(catalog), load_labelled_queries(catalog=catalog))
    return {
        "accuracy": report.accuracy, "correct": report.top1_correct, "total": report.total,
        "failures": [
            f"{f.query.text!r}: expected {', '.join(f.query.expected) or 'nothing'}, got {', '.join(f.got[:3]) or 'nothing'}"
            for f in report.failures
        ],
    }


async def story_accuracy(agent: Any, out: Path) -> dict[str, Any]:
    from rasa.core.test import test as test_stories

    out.mkdir(parents=True, exist_ok=True)
    await test_stories(str(TEST_STORIES), agent, out_directory=str(out))
    report = json.loads((out / "story_report.json").read_text())
    conversations = report.get("conversation_accuracy") or {}
    return {
        "stories_correct": conversations.get("correct"), "stories_total": conversations.get("total"),
        "story_accuracy": conversations.get("accuracy"), "action_accuracy": report.get("accuracy"),
        "action_macro_f1": (report.get("macro avg") or {}).get("f1-score"),
    }


# ------------------------------------------------------------------------ report


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def triage_table(results: list[TriageScores], cases: list[Case]) -> list[str]:
    lines = [
        "| level | cases | " + " | ".join(f"{r.name}: recall (≥ level) | {r.name}: precision" for r in results) + " |",
        "| --- | ---: | " + " | ".join("---: | ---:" for _ in results) + " |",
    ]
    for level in LEVELS:
        cells = []
        for r in results:
            s = r.per_level[level]
            cells.append(f"{pct(s['recall'])} ({pct(s['recall_at_least'])}) | {pct(s['precision'])}")
        lines.append(f"| {level} | {results[0].per_level[level]['support']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| red flag | cases | " + " | ".join(f"{r.name}: recall | {r.name}: precision" for r in results) + " |",
        "| --- | ---: | " + " | ".join("---: | ---:" for _ in results) + " |",
    ]
    for flag in results[0].per_flag:
        cells = [f"{pct(r.per_flag[flag]['recall'])} | {pct(r.per_flag[flag]['precision'])}" for r in results]
        lines.append(f"| {flag} | {results[0].per_flag[flag]['support']} | " + " | ".join(cells) + " |")
    return lines


def nlu_lines(title: str, summary: dict[str, Any], entities: dict[str, dict[str, Any]], images: str) -> list[str]:
    lines = [
        f"### {title}",
        "",
        f"Intent accuracy {pct(summary['accuracy'])}, macro F1 {summary['macro_f1']:.3f}, "
        f"weighted F1 {summary['weighted_f1']:.3f} on {summary['examples']} messages.",
        "",
        "Lowest intent F1: " + ", ".join(f"{name} {f1:.2f} (n={n})" for name, f1, n in summary["worst_intents"]) + ".",
        "",
        "Most confused (true → predicted, count): "
        + (", ".join(f"{a} → {b} ({n})" for a, b, n in summary["confused_pairs"]) or "none") + ".",
        "",
    ]
    if entities:
        lines += ["| extractor | micro F1 | per entity type (F1, n) |", "| --- | ---: | --- |"]
        for extractor, data in entities.items():
            types = ", ".join(f"{t} {s['f1']:.2f} (n={s['support']})" for t, s in data["types"].items() if t != "no_entity")
            lines.append(f"| {extractor} | {data['micro_f1']:.3f} | {types or '–'} |" if data["micro_f1"] is not None
                         else f"| {extractor} | – | {types or '–'} |")
        lines.append("")
    lines += [images, ""]
    return lines


def write_report(out: Path, data: dict[str, Any], triage: list[TriageScores], cases: list[Case]) -> Path:
    pipeline, rules = triage
    emergency = pipeline.per_level["emergency"]
    lines = [
        "# Quality report",
        "",
        f"Model `{MODEL.relative_to(ROOT)}`, run {data['date']} ({data['seconds']:.0f} s).",
        "",
        f"**Emergency recall (whole NLU pipeline): {pct(emergency['recall'])}** "
        f"({emergency['support']} emergency messages; {len(pipeline.missed_emergencies)} not referred as emergency). "
        f"Rule detector alone: {pct(rules.per_level['emergency']['recall'])}.",
        "",
        "## Triage",
        "",
        f"{len(cases)} labelled messages (tests/data/red_flag_cases.yml). *pipeline*: the trained model with "
        "the rules, as the bot runs it (RedFlagTriage's intent and `red_flag` entities); *rules*: the "
        "rule detector alone (make_triage_nlp + assess). Recall (≥ level): referred at that level or a "
        "more urgent one.",
        "",
        *triage_table(triage, cases),
        "",
        f"Exact flags and level: pipeline {pipeline.exact}/{pipeline.total}, rules {rules.exact}/{rules.total}. "
        f"Only the trained model saw a red flag (`red_flag_suspected`, answered with GP-level advice and the "
        f"screening questions; counted as `gp` above): {pipeline.model_only}, of which "
        f"{pipeline.model_only_look_alikes} on messages labelled with no red flag.",
        "",
    ]
    for r in triage:
        for title, items in (("under-triaged (less urgent than labelled)", r.under_triaged),
                             ("over-triaged look-alikes (sent to emergency or urgent)", r.over_triaged)):
            lines.append(f"- {r.name}, {title}: {len(items)}")
            lines += [f"  - {item}" for item in items[:15]]
    if data.get("conversation_triage"):
        lines += ["", "## Triage in conversation (first message, REST, the whole bot)", "",
                  *conversation_lines(data["conversation_triage"])]
    lines += ["", "## NLU", "", *model_own_report(data)]
    if data.get("cross_validation"):
        cv = data["cross_validation"]
        lines += nlu_lines(
            f"Cross-validation, {cv['folds']} folds on data/nlu ({cv['seconds']:.0f} s), the bot's final intent",
            cv["intents"], cv["entities"], "",
        )
        lines += nlu_lines("Cross-validation, the model's own intent", cv["model_intents"], {}, "")
    holdout = data["holdout"]
    lines += nlu_lines(
        "Held-out messages (tests/nlu_holdout.yml)", holdout["intents"], holdout["entities"],
        "![held-out intent confusion](nlu_holdout/intent_confusion_matrix.png)",
    )
    lines += [
        "Entities come from the rules only (DomainEntityExtractor: the entity ruler over the catalog's "
        "names and aliases and data/nlp/lexicon.yml); the held-out file annotates few spans, so a score "
        "here would count correct but unannotated finds as errors, and none is shown.",
        "",
        "## Catalog matching",
        "",
        f"Top-1 accuracy {pct(data['catalog']['accuracy'])} ({data['catalog']['correct']}/{data['catalog']['total']}).",
        *[f"- {failure}" for failure in data["catalog"]["failures"]],
        "",
        "## Dialogue",
        "",
        f"Test stories: {data['stories']['stories_correct']}/{data['stories']['stories_total']} correct "
        f"({pct(data['stories']['story_accuracy'])}); action accuracy {pct(data['stories']['action_accuracy'])}.",
        "",
        "![story confusion](stories/story_confusion_matrix.png)",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def summary_lines(data: dict[str, Any], triage: list[TriageScores]) -> list[str]:
    pipeline, rules = triage
    lines = [
        f"EMERGENCY RECALL {pct(pipeline.per_level['emergency']['recall'])} (pipeline), "
        f"{pct(rules.per_level['emergency']['recall'])} (rules alone); "
        f"urgent {pct(pipeline.per_level['urgent']['recall_at_least'])}, gp {pct(pipeline.per_level['gp']['recall_at_least'])} "
        f"(referred at that level or higher)",
        f"triage precision: emergency {pct(pipeline.per_level['emergency']['precision'])}, "
        f"urgent {pct(pipeline.per_level['urgent']['precision'])}, gp {pct(pipeline.per_level['gp']['precision'])}; "
        f"over-triaged look-alikes {len(pipeline.over_triaged)}, under-triaged {len(pipeline.under_triaged)}; "
        f"model-only suspicions {pipeline.model_only} ({pipeline.model_only_look_alikes} on look-alikes)",
    ]
    if data.get("cross_validation"):
        cv = data["cross_validation"]["intents"]
        lines.append(f"NLU cross-validation: intent macro F1 {cv['macro_f1']:.3f}, accuracy {pct(cv['accuracy'])}")
    for name, result in (data.get("conversation_triage") or {}).items():
        f = result["scores"]["all"]
        lines.append(
            f"{name}: serious referred or asked {f['serious_covered']}/{f['serious_messages']}, emergency referred "
            f"on the first message {f['emergency_referred_at_emergency']}/{f['emergency_messages']}, no referral "
            f"and no question {f['red_flag_nothing']}, wrong kind of answer {f['red_flag_wrong_kind_of_answer']}; "
            f"look-alikes to emergency/urgent {f['look_alikes_sent_to_emergency_or_urgent']}/{f['look_alikes']}, "
            f"asked a question they did not need {f['look_alikes_asked_a_question_they_did_not_need']}")
    holdout = data["holdout"]["intents"]
    lines += [
        f"NLU held-out: intent macro F1 {holdout['macro_f1']:.3f}, accuracy {pct(holdout['accuracy'])}",
        *model_own_lines(data),
        f"catalog top-1 {pct(data['catalog']['accuracy'])}; "
        f"test stories {data['stories']['stories_correct']}/{data['stories']['stories_total']}",
    ]
    return lines


def _target(met: bool, wanted: str) -> str:
    return f"(target {wanted}: {'met' if met else 'NOT met'})"


def model_own_lines(data: dict[str, Any]) -> list[str]:
    """Issue 13's rows: the model's own intent on words it was not trained on, the fallback, red flags alone."""
    lines = []
    if data.get("cross_validation"):
        own = data["cross_validation"]["model_intents"]
        lines.append(f"NLU cross-validation, the model's own intent (before RedFlagTriage): macro F1 "
                     f"{own['macro_f1']:.3f}, accuracy {pct(own['accuracy'])} "
                     + _target(own["macro_f1"] >= TARGETS["cv_macro_f1"], f"≥ {TARGETS['cv_macro_f1']}")
                     + f"; counting the intents only the rules give too, macro F1 {own['all_intents_macro_f1']:.3f}")
        here = data["cross_validation"].get("model_intents_written_here")
        if here:
            lines.append(f"NLU cross-validation, the model's own intent on the examples written here (the folds' models "
                         f"trained on all, public phrasings too): macro F1 {here['macro_f1']:.3f}, accuracy {pct(here['accuracy'])}")
    own = data.get("model_own") or {}
    if own:
        ours, external = own["holdout"]["model"], own["external"]["model"]
        lines.append(f"NLU held-out, the model's own intent: ours (tests/nlu_holdout.yml) macro F1 {ours['macro_f1']:.3f}, "
                     f"accuracy {pct(ours['accuracy'])}; external (tests/nlu_external.yml) macro F1 "
                     f"{external['macro_f1']:.3f}, accuracy {pct(external['accuracy'])} "
                     + _target(external["macro_f1"] >= TARGETS["external_macro_f1"], f"≥ {TARGETS['external_macro_f1']}"))
        scored = own["external"]
        if scored.get("trained_on"):
            lines.append(f"development set (tests/nlu_external.yml): {scored['trained_on']} of its messages are training "
                         "examples (data/nlu/public_development_set.yml); "
                         + ("each scored by the cross-validation fold's model that was not trained on it, "
                            "the others by the model" if scored["scored_by_folds"] else
                            f"left out without the cross-validation: {scored['model']['examples']} messages scored"))
        fallback = own["external"]["fallback"]
        lines.append(f"in-scope questions answered with the fallback (external set, all but out_of_scope): "
                     f"{fallback['fallback']}/{fallback['in_scope']} ({pct(fallback['rate'])}) "
                     + _target((fallback["rate"] or 0) <= TARGETS["fallback_rate"], f"≤ {TARGETS['fallback_rate']:.0%}"))
    fresh = data.get("model_own_fresh")
    if fresh:
        model, fallback = fresh["model"], fresh["fallback"]
        lines.append(f"NLU fresh held-out (tests/nlu_external_fresh.yml, written by others, totals only), the model's "
                     f"own intent: macro F1 {model['macro_f1']:.3f}, accuracy {pct(model['accuracy'])} "
                     + _target(model["macro_f1"] >= TARGETS["external_macro_f1"], f"≥ {TARGETS['external_macro_f1']}")
                     + f"; in-scope fallback {fallback['fallback']}/{fallback['in_scope']} ({pct(fallback['rate'])}) "
                     + _target((fallback["rate"] or 0) <= TARGETS["fallback_rate"], f"≤ {TARGETS['fallback_rate']:.0%}"))
    for name, agreed in (data.get("label_agreement") or {}).items():
        lines.append(f"second labelling (blind) of {name}, totals only: agrees with the file's labels on "
                     f"{pct(agreed['agreement'])} of {agreed['messages']} messages (macro F1 {agreed['second_macro_f1']:.3f}, "
                     f"Cohen's kappa {agreed['kappa']:.3f}); the model's own intent: macro F1 {agreed['model_macro_f1']:.3f} "
                     f"against the file's labels, {agreed['model_macro_f1_against_second']:.3f} against the second "
                     f"labelling, {agreed['model_macro_f1_where_both_agree']:.3f} where both agree "
                     f"({agreed['both_agree']} messages; accuracy {pct(agreed['model_accuracy_where_both_agree'])})")
    alone = data.get("red_flag_model_alone")
    if alone:
        safe = alone["lowest_safe_threshold"]
        if safe:
            recall = safe["caught_at_level"] / safe["red_flags"]
            lines.append(f"trained red-flag intents alone: the lowest threshold sending 0 of {safe['look_alikes']} "
                         f"look-alikes to emergency or urgent is {safe['threshold']}; there they catch "
                         f"{safe['caught_at_level']}/{safe['red_flags']} external red flags at their level or higher "
                         f"({pct(recall)}) " + _target(recall >= TARGETS["red_flag_recall"],
                                                      f"≥ {TARGETS['red_flag_recall']:.0%}"))
        else:
            top = alone["rows"][-1]
            lines.append(f"trained red-flag intents alone: every threshold up to {top['threshold']} sends some of "
                         f"{top['look_alikes']} look-alikes to emergency or urgent ({top['look_alikes_to_emergency_or_urgent']} "
                         f"at {top['threshold']}) (target 0 at ≥ {TARGETS['red_flag_recall']:.0%} recall: NOT met)")
    beyond = {row["threshold"]: row for row in data.get("red_flag_model_beyond_rules") or []}
    if beyond:
        first = next(iter(beyond.values()))
        counts = ", ".join(f"{row['model_refers_at_level']} at {t}" for t, row in beyond.items())
        sent = ", ".join(f"{row['look_alikes_sent_on']} at {t}" for t, row in beyond.items())
        lines.append(f"trained red-flag intents beyond the rules (tests/triage/holdout, development set): of "
                     f"{first['serious_under_referred']} serious messages the rules under-refer, the model alone "
                     f"would refer at their level {counts}; of {first['look_alikes']} look-alikes, it would send "
                     f"to emergency or urgent {sent}")
    return lines


def sealed(result: dict[str, Any]) -> dict[str, Any]:
    """A held-out file's totals only: no text, no per-intent score, no confused pair."""
    def totals(own: dict[str, Any]) -> dict[str, Any]:
        return {k: own[k] for k in ("accuracy", "macro_f1", "all_intents_macro_f1", "examples")}

    fallback = result["fallback"]
    return {"file": result["file"], "model": totals(result["model"]), "final": totals(result["final"]),
            "fallback": {k: fallback[k] for k in ("in_scope", "fallback", "rate")}}


def model_own_report(data: dict[str, Any]) -> list[str]:
    """The report's section for the model's own intent and the red-flag thresholds."""
    lines = ["## The model's own intent (before RedFlagTriage)", "",
             "What the trained intent classifier itself answered, recorded by RedFlagTriage before any override "
             "(past the fallback classifier). Macro F1 over the intents of the messages scored, leaving out the "
             "messages of the intents only the rules give (red_flag_hint, red_flag_urgent_ask, red_flag_suspected: "
             "the classifier's guess of them is demoted).", "",
             *[f"- {line}" for line in model_own_lines(data)], ""]
    for name, result in (data.get("model_own") or {}).items():
        own = result["model"]
        lines += [f"{name} ({result['file']}): lowest F1 "
                  + ", ".join(f"{i} {f:.2f} (n={n})" for i, f, n in own["worst_intents"])
                  + "; most confused " + ", ".join(f"{a} → {b} ({n})" for a, b, n in own["confused_pairs"]) + ".", ""]
    alone = data.get("red_flag_model_alone")
    if alone:
        lines += ["The trained red-flag intents alone, at each confidence threshold (external red-flag set and the "
                  "look-alikes of tests/triage/external and tests/data/red_flag_cases.yml):", "",
                  "| threshold | red flags caught (any level) | caught at their level or higher | serious caught at level | "
                  "look-alikes to emergency/urgent | look-alikes given any red-flag intent |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in alone["rows"]:
            lines.append(f"| {r['threshold']} | {r['caught']}/{r['red_flags']} | {r['caught_at_level']} | "
                         f"{r['serious_caught_at_level']}/{r['serious']} | {r['look_alikes_to_emergency_or_urgent']}/"
                         f"{r['look_alikes']} | {r['look_alikes_any_red_flag']} |")
        lines.append("")
    return lines


# ------------------------------------------------------------------------ main


def quiet_rasa() -> None:
    """Rasa's warnings only, as `make` runs it (its debug lines would drown the summary)."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    level = logging.getLevelName(os.environ.get("LOG_LEVEL", "WARNING"))
    configure_logging_and_warnings(level)
    configure_structlog(level)
    warnings.filterwarnings("ignore")  # library deprecations, not findings


def second_labelling(*scored: dict[str, Any]) -> dict[str, Any]:
    """`label_agreement` for each file scored that the second labelling covers (totals only)."""
    from sciatica_rasa import nlu_eval

    intents = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
    second = nlu_eval.read_second_labels(SECOND_LABELS, intents)
    files = {str(Path(result["file"]).resolve().relative_to(ROOT)): result for result in scored}
    return {name: nlu_eval.label_agreement(files[name]["parsed"], labels) for name, labels in second.items()
            if name in files}


async def evaluate_with_model(out: Path, cases: list[Case]) -> tuple[dict[str, Any], list[Prediction]]:
    from rasa.core.agent import Agent
    from rasa.nlu.test import run_evaluation

    from sciatica_rasa import nlu_eval

    score_spanned_entities_only()
    agent = Agent.load(str(MODEL))
    await run_evaluation(str(HOLDOUT), agent.processor, output_directory=str(out / "nlu_holdout"), errors=True)
    holdout = {"intents": intent_summary(out / "nlu_holdout"), "entities": entity_summary(out / "nlu_holdout")}
    model_own = {"holdout": await nlu_eval.ascore_file(agent, HOLDOUT),
                 "external": await nlu_eval.ascore_file(agent, EXTERNAL_NLU)}
    fresh_parsed = await nlu_eval.ascore_file(agent, FRESH_NLU)
    fresh = sealed(fresh_parsed)
    red_flags_alone = await nlu_eval.red_flag_model_alone(agent, ROOT)
    beyond_rules = await nlu_eval.model_beyond_rules(agent, TRIAGE_DEVELOPMENT)
    predictions = await pipeline_predictions(agent, cases)
    stories = await story_accuracy(agent, out / "stories")
    return {"holdout": holdout, "model_own": model_own, "model_own_fresh": fresh, "fresh_parsed": fresh_parsed,
            "red_flag_model_alone": red_flags_alone,
            "red_flag_model_beyond_rules": beyond_rules, "stories": stories}, predictions


def development_set_by_folds(data: dict[str, Any], fold_parsed: list[dict[str, Any]] | None) -> None:
    """The development set scored on words the scoring model was not trained on: its messages
    that are training examples (development_training.TRAINING_FILE) by their cross-validation fold's model,
    or, without folds, left out; then the second labelling's agreement on both files."""
    from sciatica_rasa import nlu_eval
    from sciatica_rasa.development_training import TRAINING_FILE

    trained = set(nlu_eval.texts_of(ROOT / TRAINING_FILE))
    external = nlu_eval.scored_by_folds(data["model_own"]["external"], trained, fold_parsed)
    data["model_own"]["external"] = external
    fresh = data.pop("fresh_parsed")
    data["label_agreement"] = second_labelling(*([external] if fold_parsed is not None else []), fresh)


def main() -> int:
    os.environ.setdefault("TQDM_DISABLE", "1")  # Rasa's progress bars
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=int(os.environ.get("EVAL_FOLDS", DEFAULT_FOLDS)),
                        help=f"cross-validation folds (default {DEFAULT_FOLDS}; 0 skips it)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--cross-validation-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cross_validation_worker:
        cross_validation_worker(args.folds, args.out)
        return 0
    if not MODEL.is_file():
        log(f"no trained model at {MODEL}: run `make model` first")
        return 1
    quiet_rasa()
    started = time.monotonic()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)

    cases = load_cases()
    data: dict[str, Any] = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    log("catalog matching and the rule detector")
    data["catalog"] = catalog_accuracy()
    rules = score_triage("rules", cases, rule_predictions(cases))
    log("loading the model: held-out NLU, triage through the pipeline, test stories")
    with_model, predictions = asyncio.run(evaluate_with_model(args.out, cases))
    data.update(with_model)
    pipeline = score_triage("pipeline", cases, predictions)
    log("triage in conversation: our own set and the external set, through a running bot")
    data["conversation_triage"] = conversation_triage(args.out)
    if args.folds:
        log(f"NLU cross-validation, {args.folds} folds (trains {args.folds} NLU models)")
        seconds = run_cross_validation(args.folds, args.out / "nlu_cv")
        cv = json.loads((args.out / "nlu_cv" / "cross_validation.json").read_text())
        data["cross_validation"] = {
            "folds": args.folds, "seconds": seconds, "intents": cv["final"], "model_intents": cv["model"],
            "model_intents_written_here": cv["model_written_here"], "entities": {},
        }
    development_set_by_folds(data, cv["parsed"] if args.folds else None)
    data["seconds"] = time.monotonic() - started
    triage = [pipeline, rules]
    data["triage"] = {
        t.name: {"per_level": t.per_level, "per_flag": t.per_flag, "missed_emergencies": t.missed_emergencies,
                 "under_triaged": t.under_triaged, "over_triaged": t.over_triaged, "model_only": t.model_only,
                 "exact": t.exact, "total": t.total}
        for t in triage
    }
    (args.out / "summary.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    report = write_report(args.out, data, triage, cases)
    for line in summary_lines(data, triage):
        log(line)
    for miss in pipeline.missed_emergencies:
        log(f"  missed emergency: {miss}")
    log(f"report {os.path.relpath(report, ROOT)} (confusion matrices beside it), data "
        f"{os.path.relpath(args.out / 'summary.json', ROOT)}; {data['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
