"""Scoring the NLU on words it was not trained on: the model's own intent and the bot's.

Every parse keeps two answers: the trained model's own best intent (`model_intent`,
recorded by RedFlagTriage before it overrides anything, past the fallback classifier)
and the final intent the dialogue sees (after the fallback and the red-flag rules).
The model's own answer is what held-out files and cross-validation gate: the rules
would otherwise hide its mistakes on red-flag and language cases.

- `cross_validate`: k folds drawn once with a fixed seed (the same folds for every
  configuration compared), an NLU model trained per fold, both answers scored.
- `score_file`: a trained model on a held-out NLU file; `scored_by_folds` for a file
  some of whose messages are training examples (the development set).
- `red_flag_thresholds`: what the model's red-flag intents alone would do at each
  confidence threshold on look-alikes and on real red-flag messages.
- `beyond_rules`: what they would add to the rules, on the messages the rules under-refer.
- `label_agreement`: a second, blind labelling of a held-out file against its own labels,
  and the model against both: how far careful people agree bounds what a model can reach.
- `component_config`: a component's settings as a config.yml gives them.

Used by `make eval` (scripts/eval.py), `make nlu-holdout` (scripts/check_nlu_holdout.py)
and scripts/compare_encoders.py.
"""
from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

FOLD_SEED = 20261121
FALLBACK = "nlu_fallback"
LEVELS = ("emergency", "urgent", "gp")
# Training files of phrasings written by others (DEVELOPERS.md, "NLU data").
PUBLIC_PHRASINGS = "public_*.yml"
# Given by RedFlagTriage from the rules only: a message the rules would label so is not
# the model's to get right (its guess of these is demoted), so the model is not scored
# on it; the bot's final answer is. Their examples are in data/nlu for the domain.
RULE_ONLY_INTENTS = frozenset({"red_flag_hint", "red_flag_urgent_ask", "red_flag_suspected"})


@dataclass
class Parsed:
    text: str
    truth: str
    model: str | None
    model_confidence: float
    final: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


def component_config(component: Any, config: Path | str) -> dict[str, Any]:
    """A pipeline component's settings in a config.yml, over the component's defaults."""
    import yaml

    pipeline = yaml.safe_load(Path(config).read_text())["pipeline"]
    entry = next(c for c in pipeline if c["name"].endswith(component.__name__))
    return {**component.get_default_config(), **{k: v for k, v in entry.items() if k != "name"}}


def read_nlu_file(path: Path | str):
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def labelled(training_data) -> list[Any]:
    return [m for m in training_data.intent_examples if m.get("text") and m.get("intent")]


def texts_of(path: Path | str) -> list[str]:
    """The labelled messages of an NLU file or folder, as Rasa reads them (entity markup removed)."""
    return [m.get("text") for m in labelled(read_nlu_file(path))]


async def parse_all(agent: Any, messages: Sequence[Any]) -> list[Parsed]:
    results = []
    for message in messages:
        parsed = await agent.parse_message(message.get("text"))
        own = parsed.get("model_intent") or {}
        results.append(Parsed(
            text=message.get("text"), truth=message.get("intent"), model=own.get("name"),
            model_confidence=float(own.get("confidence") or 0.0),
            final=(parsed.get("intent") or {}).get("name"), metadata=dict(message.get("metadata") or {}),
        ))
    return results


def intent_report(truth: Sequence[str], predicted: Sequence[str | None]) -> dict[str, Any]:
    """sklearn's per-intent report over the intents of the held-out messages.

    An intent the model gives but no message has (say `red_flag_suspected`, which only
    RedFlagTriage may give) counts as a wrong answer for the true intent; it adds no row
    of its own, so the macro average is over the intents people actually asked for.
    (`rasa test nlu` averages over both, which lowers the average for every such label.)
    """
    from sklearn.metrics import classification_report

    predicted = [p or "None" for p in predicted]
    labels = sorted(set(truth))
    report = classification_report(truth, predicted, labels=labels, output_dict=True, zero_division=0)
    report.pop("micro avg", None)
    report["accuracy"] = sum(t == p for t, p in zip(truth, predicted)) / len(truth) if truth else 0.0
    return report


def summary(parsed: Sequence[Parsed], which: str) -> dict[str, Any]:
    """Accuracy, macro F1 and the weakest intents of one answer ('model' or 'final').

    The model's answer is scored on the messages of the intents it is meant to give;
    `all_intents_macro_f1` keeps the figure over every message, for comparison.
    """
    everything = intent_report([p.truth for p in parsed], [getattr(p, which) for p in parsed])
    if which == "model":
        parsed = [p for p in parsed if p.truth not in RULE_ONLY_INTENTS]
    predicted = [getattr(p, which) for p in parsed]
    report = intent_report([p.truth for p in parsed], predicted) if which == "model" else everything
    per_intent = {k: v for k, v in report.items() if isinstance(v, dict) and k not in ("macro avg", "weighted avg")}
    pairs: dict[tuple[str, str], int] = {}
    for p, got in zip(parsed, predicted):
        if got != p.truth:
            pairs[(p.truth, got or "None")] = pairs.get((p.truth, got or "None"), 0) + 1
    return {
        "accuracy": report["accuracy"], "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"], "examples": len(parsed),
        "all_intents_macro_f1": everything["macro avg"]["f1-score"] if parsed else None,
        "worst_intents": sorted(((k, v["f1-score"], int(v["support"])) for k, v in per_intent.items()),
                                key=lambda item: item[1])[:5],
        "confused_pairs": sorted(((a, b, n) for (a, b), n in pairs.items()), key=lambda x: (-x[2], x[0], x[1]))[:5],
        "report": report,
    }


def fallback_rate(parsed: Sequence[Parsed], out_of_scope: Iterable[str] = ("out_of_scope",)) -> dict[str, Any]:
    """In-scope messages (labelled anything but out of scope) the bot answers with the fallback."""
    in_scope = [p for p in parsed if p.truth not in set(out_of_scope)]
    fallen = [p for p in in_scope if p.final == FALLBACK]
    return {"in_scope": len(in_scope), "fallback": len(fallen), "rate": len(fallen) / len(in_scope) if in_scope else None,
            "examples": [f"{p.text[:80]!r} ({p.truth})" for p in fallen[:15]]}


def folds(messages: Sequence[Any], k: int, seed: int = FOLD_SEED) -> list[tuple[list[Any], list[Any]]]:
    """k stratified folds of the labelled messages, the same for every configuration."""
    from sklearn.model_selection import StratifiedKFold

    labels = [m.get("intent") for m in messages]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [([messages[i] for i in train], [messages[i] for i in test])
            for train, test in splitter.split(list(range(len(messages))), labels)]


def train_nlu_model(config: Path | str, training_data, out: Path, name: str) -> str:
    """An NLU-only model trained on `training_data`; returns the model's path."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    out.mkdir(parents=True, exist_ok=True)
    data_file = out / f"{name}.yml"
    RasaYAMLWriter().dump(str(data_file), training_data)
    model = train_nlu(str(config), str(data_file), str(out), fixed_model_name=name)
    if not model:
        raise RuntimeError(f"training {name} with {config} failed")
    return model


def cross_validate(config: Path | str, nlu_data: Path | str, k: int, out: Path,
                   seed: int = FOLD_SEED) -> dict[str, Any]:
    """Both answers on each held-out fold, every fold's model trained on the others."""
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = read_nlu_file(nlu_data)
    messages = labelled(data)
    parsed: list[Parsed] = []
    seconds = []
    for index, (train, test) in enumerate(folds(messages, k, seed)):
        start = time.monotonic()
        fold_data = TrainingData(training_examples=train, entity_synonyms=data.entity_synonyms,
                                 regex_features=data.regex_features, lookup_tables=data.lookup_tables)
        model = train_nlu_model(config, fold_data, out, f"fold{index}")
        seconds.append(time.monotonic() - start)
        agent = Agent.load(model)
        parsed += asyncio.run(parse_all(agent, test))
        os.remove(model)
    by_others = texts_written_by_others(nlu_data)
    written_here = [p for p in parsed if p.text not in by_others]
    return {"folds": k, "examples": len(parsed), "train_seconds": seconds,
            "model": summary(parsed, "model"), "final": summary(parsed, "final"),
            "model_written_here": summary(written_here, "model"), "parsed": [asdict(p) for p in parsed]}


def scored_by_folds(result: dict[str, Any], trained: set[str],
                    fold_parsed: Sequence[dict[str, Any]] | None) -> dict[str, Any]:
    """A file's scores, each message the model was trained on answered instead by the
    cross-validation model that did not see it (`fold_parsed`), or left out without folds."""
    by_text = {p["text"]: p for p in fold_parsed or ()}
    missing = sorted(t for t in trained if fold_parsed is not None and t not in by_text)
    if missing:
        raise ValueError(f"{result['file']}: trained on, but in no fold: {missing[:3]}")
    rows = [by_text[p["text"]] if p["text"] in trained else p for p in result["parsed"]
            if fold_parsed is not None or p["text"] not in trained]
    parsed = [Parsed(**row) for row in rows]
    return {"file": result["file"], "model": summary(parsed, "model"), "final": summary(parsed, "final"),
            "fallback": fallback_rate(parsed), "parsed": rows,
            "trained_on": sum(p["text"] in trained for p in result["parsed"]),
            "scored_by_folds": fold_parsed is not None}


def texts_written_by_others(nlu_data: Path | str) -> set[str]:
    """The training texts of data/nlu/public_*.yml: phrasings found on public pages, not written here."""
    folder = Path(nlu_data)
    files = sorted(folder.glob(PUBLIC_PHRASINGS)) if folder.is_dir() else []
    return {text for path in files for text in texts_of(path)}


async def ascore_file(agent: Any, path: Path | str) -> dict[str, Any]:
    parsed = await parse_all(agent, labelled(read_nlu_file(path)))
    return {"file": str(path), "model": summary(parsed, "model"), "final": summary(parsed, "final"),
            "fallback": fallback_rate(parsed), "parsed": [asdict(p) for p in parsed]}


def score_file(agent: Any, path: Path | str) -> dict[str, Any]:
    return asyncio.run(ascore_file(agent, path))


# ---------------------------------------------------------------- the model's red-flag intents alone


def model_level(intent: str | None) -> str | None:
    if intent and intent.startswith("red_flag_") and intent.removeprefix("red_flag_") in LEVELS:
        return intent.removeprefix("red_flag_")
    return None


def red_flag_thresholds(red_flags: Sequence[tuple[str | None, str, float]],
                        look_alikes: Sequence[tuple[str | None, float]],
                        thresholds: Iterable[float] = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)) -> dict[str, Any]:
    """The model's own red-flag intents as the only detector, at each confidence threshold.

    `red_flags`: (model's intent, expected level, confidence) of messages with a red flag;
    `look_alikes`: (model's intent, confidence) of messages that have none. A red flag is
    caught when the model gives any red-flag intent, and caught at its level when that
    intent's level is the expected one or more urgent.
    """
    rows = []
    for threshold in thresholds:
        caught = at_level = serious_caught = serious = 0
        for intent, expected, confidence in red_flags:
            level = model_level(intent) if confidence >= threshold else None
            caught += level is not None
            at_level += level is not None and LEVELS.index(level) <= LEVELS.index(expected)
            if expected in ("emergency", "urgent"):
                serious += 1
                serious_caught += level is not None and LEVELS.index(level) <= LEVELS.index(expected)
        sent = sum(1 for intent, confidence in look_alikes
                   if confidence >= threshold and model_level(intent) in ("emergency", "urgent"))
        any_flag = sum(1 for intent, confidence in look_alikes if confidence >= threshold and model_level(intent))
        rows.append({"threshold": threshold, "red_flags": len(red_flags), "caught": caught, "caught_at_level": at_level,
                     "serious": serious, "serious_caught_at_level": serious_caught,
                     "look_alikes": len(look_alikes), "look_alikes_to_emergency_or_urgent": sent,
                     "look_alikes_any_red_flag": any_flag})
    safe = [r for r in rows if r["look_alikes_to_emergency_or_urgent"] == 0]
    best = min(safe, key=lambda r: r["threshold"]) if safe else None
    return {"rows": rows, "lowest_safe_threshold": best}


def red_flag_sets(root: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(text, level) of the external red-flag messages; texts of the look-alikes, ours and theirs."""
    import yaml

    from sciatica.triage_replies import load_cases

    external = load_cases([root / "tests" / "triage" / "external"])
    own = yaml.safe_load((root / "tests" / "data" / "red_flag_cases.yml").read_text())["cases"]
    red_flags = [(c.text, c.level) for c in external if c.level]
    look_alikes = [c.text for c in external if not c.level] + [c["text"] for c in own if not c["expect_level"]]
    return red_flags, look_alikes


async def red_flag_model_alone(agent: Any, root: Path) -> dict[str, Any]:
    """`red_flag_thresholds` for a trained model on the external red-flag set and the look-alikes."""
    red_flags, look_alikes = red_flag_sets(root)

    async def own(text: str) -> tuple[str | None, float]:
        parsed = await agent.parse_message(text)
        intent = parsed.get("model_intent") or {}
        return intent.get("name"), float(intent.get("confidence") or 0.0)

    flagged = []
    for text, level in red_flags:
        name, confidence = await own(text)
        flagged.append((name, level, confidence))
    alike = [await own(text) for text in look_alikes]
    return red_flag_thresholds(flagged, alike)


def rules_and_model_levels(parsed: dict[str, Any]) -> tuple[str | None, str | None, float]:
    """The level the rules named, the model's own red-flag level (if its intent is one), its confidence.

    A suspicion of the model's alone (`unclassified_<level>`) is not a level the rules named."""
    from sciatica.triage import UNCLASSIFIED_PREFIX

    triage = parsed.get("triage") or {}
    named = [flag for flag in triage.get("red_flags") or [] if not flag.startswith(UNCLASSIFIED_PREFIX)]
    own = parsed.get("model_intent") or {}
    return (triage.get("level") if named else None), model_level(own.get("name")), float(own.get("confidence") or 0.0)


def beyond_rules(rows: Sequence[tuple[str | None, str | None, str | None, float]],
                 thresholds: Iterable[float] = (0.35, 0.4, 0.5, 0.6, 0.7, 0.8)) -> list[dict[str, Any]]:
    """What the model's red-flag intents would add if they referred, at each threshold.

    `rows`: (labelled level, the rules' level, the model's level, its confidence) per message.
    Of the emergency and urgent messages the rules refer below their level, how many the
    model would refer at it; of the look-alikes the rules keep below urgent, how many it
    would send to emergency or urgent."""
    from sciatica.triage_replies import RANK, SERIOUS

    missed = [r for r in rows if r[0] in SERIOUS and RANK[r[1]] < RANK[r[0]]]
    alikes = [r for r in rows if r[0] is None and r[1] not in SERIOUS]
    return [{"threshold": t, "serious_under_referred": len(missed),
             "model_refers_at_level": sum(1 for r in missed if r[3] >= t and RANK[r[2]] >= RANK[r[0]]),
             "look_alikes": len(alikes),
             "look_alikes_sent_on": sum(1 for r in alikes if r[3] >= t and r[2] in SERIOUS)} for t in thresholds]


async def model_beyond_rules(agent: Any, folder: Path) -> list[dict[str, Any]]:
    """`beyond_rules` for a trained model on a triage set (one message per case)."""
    from sciatica.triage_replies import load_cases

    rows = []
    for case in load_cases([folder]):
        rows.append((case.level, *rules_and_model_levels(await agent.parse_message(case.text))))
    return beyond_rules(rows)


# ---------------------------------------------------------------- a second labelling


def read_second_labels(path: Path | str, intents: Iterable[str]) -> dict[str, dict[str, str]]:
    """A second labelling of held-out files: {file: {text: intent}}, every intent one of `intents`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    known = set(intents)
    for name, labels in data.items():
        if not isinstance(labels, dict) or not labels:
            raise ValueError(f"{path}: {name!r} must map each text to an intent")
        unknown = sorted(set(labels.values()) - known)
        if unknown:
            raise ValueError(f"{path}: {name}: intents not in the domain: {unknown}")
    return data


def label_agreement(parsed: Sequence[Parsed | dict[str, Any]], second: dict[str, str]) -> dict[str, Any]:
    """Totals only: the second labelling against the file's labels (agreement, macro F1,
    Cohen's kappa), and the model's own intent against each and where both agree.

    The model is scored as `summary` scores it, on the intents it is meant to give.
    """
    from sklearn.metrics import cohen_kappa_score

    rows = [p if isinstance(p, dict) else asdict(p) for p in parsed]
    missing = [r["text"] for r in rows if r["text"] not in second]
    if missing or len(second) != len(rows):
        raise ValueError(f"the second labelling covers {len(rows) - len(missing)} of the file's {len(rows)} messages "
                         f"and labels {len(second)}")
    truth = [r["truth"] for r in rows]
    other = [second[r["text"]] for r in rows]
    scored = [i for i, label in enumerate(truth) if label not in RULE_ONLY_INTENTS]
    agreed = [i for i in scored if truth[i] == other[i]]

    def model_f1(labels: Sequence[str], where: Sequence[int]) -> float:
        return intent_report([labels[i] for i in where], [rows[i]["model"] for i in where])["macro avg"]["f1-score"]

    return {
        "messages": len(rows),
        "agreement": sum(a == b for a, b in zip(truth, other)) / len(rows),
        "second_macro_f1": intent_report(truth, other)["macro avg"]["f1-score"],
        "kappa": float(cohen_kappa_score(truth, other)),
        "model_macro_f1": model_f1(truth, scored),
        "model_macro_f1_against_second": model_f1(other, scored),
        "both_agree": len(agreed),
        "model_macro_f1_where_both_agree": model_f1(truth, agreed),
        "model_accuracy_where_both_agree": sum(rows[i]["model"] == truth[i] for i in agreed) / len(agreed) if agreed else None,
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str) + "\n")


def temporary_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
