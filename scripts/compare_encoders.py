"""Compare dense features for DIET on the same folds: none, GloVe 6B 50d, all-MiniLM-L6-v2.

Each variant is config.yml's NLU pipeline with one change (the featurizer, or DIET's
size and epochs), and is scored on the model's own intent (before RedFlagTriage):

- 3-fold cross-validation on data/nlu (folds drawn once with a fixed seed: the same
  messages in the same folds for every variant);
- a model trained on all of data/nlu, tested on tests/nlu_external.yml and
  tests/nlu_holdout.yml, and on the red-flag sets (its red-flag intents alone).

    .venv/bin/python scripts/compare_encoders.py                 # every variant (~1 hour on 2 cores)
    .venv/bin/python scripts/compare_encoders.py minilm glove    # some of them

GloVe needs pyarrow to read its vocabulary (`pip install -e '.[compare]'`) and its
spaCy pipeline (`python -m sciatica.encoders --glove`, done here when missing).
Writes results/encoders/<variant>.json and results/encoders/comparison.md.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

OUT = ROOT / "results" / "encoders"
DENSE = {"sciatica_rasa.dense.SentenceEncoderFeaturizer", "SpacyFeaturizer"}
GLOVE_PIPELINE = "build/spacy/sciatica_pipeline_glove"


# The DIET pipeline the variants below change: config.yml's before the SVM replaced DIET
# for intents and the rules took its entities (count vectors, DIET for both).
DIET_BLOCK = [
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "random_seed": 20261121, "constrain_similarities": True,
     "entity_recognition": True},
]


def _diet_pipeline(pipeline: list[dict]) -> list[dict]:
    """config.yml's pipeline with DIET for intents and entities, and no SVM."""
    pipeline = [c for c in copy.deepcopy(pipeline) if not c["name"].endswith("SklearnIntentClassifier")]
    if not any(c["name"] == "DIETClassifier" for c in pipeline):
        index = next(i for i, c in enumerate(pipeline) if c["name"].endswith("DomainEntityExtractor"))
        dense = [c for c in pipeline if c["name"] in DENSE]
        pipeline = [c for c in pipeline if c["name"] not in DENSE]
        pipeline[index + 1:index + 1] = [*copy.deepcopy(DIET_BLOCK[:3]), *dense, copy.deepcopy(DIET_BLOCK[3])]
    return pipeline


def _without_dense(pipeline: list[dict]) -> list[dict]:
    return [c for c in copy.deepcopy(pipeline) if c["name"] not in DENSE]


def _diet(pipeline: list[dict], **settings: Any) -> list[dict]:
    for component in pipeline:
        if component["name"] == "DIETClassifier":
            component.update(settings)
    return pipeline


def _insert_after(pipeline: list[dict], name: str, component: dict, last: bool = False) -> list[dict]:
    index = max(i for i, c in enumerate(pipeline) if c["name"] == name) if last else \
        next(i for i, c in enumerate(pipeline) if c["name"] == name)
    pipeline.insert(index + 1, component)
    return pipeline


def _minilm(pipeline: list[dict], tokens: bool = False) -> list[dict]:
    component = {"name": "sciatica_rasa.dense.SentenceEncoderFeaturizer", "model": "build/encoders/all-MiniLM-L6-v2",
                 "token_features": tokens}
    return _insert_after(_without_dense(pipeline), "CountVectorsFeaturizer", component, last=True)


def _without_char_ngrams(pipeline: list[dict]) -> list[dict]:
    return [c for c in pipeline if not (c["name"] == "CountVectorsFeaturizer" and c.get("analyzer") == "char_wb")]


def _svm_intents(pipeline: list[dict]) -> list[dict]:
    """Intents from a linear SVM on the sentence vector (Rasa's SklearnIntentClassifier);
    DIET, small, only for the exercise names it learns."""
    pipeline = _diet(pipeline, intent_classification=False, epochs=50, number_of_transformer_layers=1,
                     transformer_size=128)
    return _insert_after(pipeline, "DIETClassifier", {"name": "SklearnIntentClassifier", "C": [1, 2, 5, 10, 20],
                                                      "kernels": ["linear"]})


def _glove(pipeline: list[dict]) -> list[dict]:
    pipeline = _without_dense(pipeline)
    for component in pipeline:
        if component["name"].endswith("SpacyNLP"):
            component["model"] = GLOVE_PIPELINE
    return _insert_after(pipeline, "SpacyTokenizer", {"name": "SpacyFeaturizer", "pooling": "mean"})


# name: (what it is, how the pipeline is changed)
VARIANTS = {
    "none": ("count vectors only (DIET 100 epochs, 2 layers)", lambda p: _diet(_without_dense(p), epochs=100)),
    "glove": ("+ GloVe 6B 50d token and mean vectors (DIET 100 epochs)", lambda p: _diet(_glove(p), epochs=100)),
    "minilm": ("+ MiniLM sentence vector (DIET 100 epochs, 2 layers)", lambda p: _diet(_minilm(p), epochs=100)),
    "minilm_tokens": ("+ MiniLM sentence and token vectors (DIET 100 epochs)",
                      lambda p: _diet(_minilm(p, tokens=True), epochs=100)),
    "minilm_e50": ("+ MiniLM sentence vector, DIET 50 epochs", lambda p: _diet(_minilm(p), epochs=50)),
    "minilm_small": ("+ MiniLM sentence vector, DIET 50 epochs, 1 layer of 128",
                     lambda p: _diet(_minilm(p), epochs=50, number_of_transformer_layers=1, transformer_size=128)),
    "minilm_svm": ("+ MiniLM sentence vector; intents by a linear SVM on it (C by grid search), DIET 50 epochs, "
                   "1 layer of 128, for entities only", lambda p: _svm_intents(_minilm(p))),
    "glove_svm": ("+ GloVe mean vector; intents by a linear SVM on it, DIET for entities only",
                  lambda p: _svm_intents(_glove(p))),
    "chosen": ("config.yml as it is: its sentence vector (all-mpnet-base-v2 since round 8), intents by a "
               "linear SVM, entities by the rules, no DIET", lambda p: copy.deepcopy(p)),
    "minilm_words": ("+ MiniLM sentence vector, no character n-grams, DIET 50 epochs, 1 layer of 128",
                     lambda p: _diet(_without_char_ngrams(_minilm(p)), epochs=50, number_of_transformer_layers=1,
                                     transformer_size=128)),
}


def variant_config(name: str, out: Path) -> Path:
    base = yaml.safe_load((ROOT / "config.yml").read_text())
    config = {key: base[key] for key in ("recipe", "language", "assistant_id") if key in base}
    pipeline = base["pipeline"] if name == "chosen" else _diet_pipeline(base["pipeline"])
    config["pipeline"] = VARIANTS[name][1](pipeline)
    path = out / f"{name}.config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_variant(name: str, folds: int, nlu: Path, tag: str = "") -> dict[str, Any]:
    """In this process: cross-validation, then a model on all the data, scored on the held-out sets."""
    from rasa.core.agent import Agent

    from sciatica_rasa import nlu_eval

    work = OUT / "work" / f"{name}{tag}"
    work.mkdir(parents=True, exist_ok=True)
    config = variant_config(name, work)
    started = time.monotonic()
    result: dict[str, Any] = {"variant": name, "what": VARIANTS[name][0], "config": yaml.safe_load(config.read_text()),
                              "training_data": str(nlu)}
    if folds:
        cv = nlu_eval.cross_validate(config, nlu, folds, work)
        result["cross_validation"] = cv
    start = time.monotonic()
    model = nlu_eval.train_nlu_model(config, nlu_eval.read_nlu_file(nlu), work, "full")
    result["full_train_seconds"] = time.monotonic() - start
    agent = Agent.load(model)
    result["external"] = nlu_eval.score_file(agent, ROOT / "tests" / "nlu_external.yml")
    result["holdout"] = nlu_eval.score_file(agent, ROOT / "tests" / "nlu_holdout.yml")
    result["red_flag_model_alone"] = asyncio.run(nlu_eval.red_flag_model_alone(agent, ROOT))
    result["seconds"] = time.monotonic() - started
    nlu_eval.write_json(OUT / f"{name}{tag}.json", result)
    return result


def table(tag: str = "") -> list[str]:
    lines = ["| variant | CV macro F1 (model) | CV accuracy | external macro F1 (model) | external accuracy | "
             "in-scope fallback (external) | holdout macro F1 (model) | lowest threshold with 0 look-alikes to "
             "emergency/urgent: red flags caught at level | train s (full) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for name in VARIANTS:
        path = OUT / f"{name}{tag}.json"
        if not path.is_file():
            continue
        r = json.loads(path.read_text())
        cv = r.get("cross_validation", {}).get("model")
        ext, hold, fb = r["external"]["model"], r["holdout"]["model"], r["external"]["fallback"]
        safe = r["red_flag_model_alone"]["lowest_safe_threshold"]
        safe_text = (f"{safe['threshold']}: {safe['caught_at_level']}/{safe['red_flags']}" if safe else "none")
        lines.append(
            f"| {name}: {r['what']} | {cv['macro_f1']:.3f} | {cv['accuracy']:.1%} | " if cv else f"| {name}: {r['what']} | – | – | ")
        lines[-1] += (f"{ext['macro_f1']:.3f} | {ext['accuracy']:.1%} | {fb['fallback']}/{fb['in_scope']} | "
                      f"{hold['macro_f1']:.3f} | {safe_text} | {r['full_train_seconds']:.0f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu",
                        help="training data (default data/nlu; a frozen copy keeps a long run on the same data)")
    parser.add_argument("--tag", default="", help="suffix of the result files, to keep runs apart")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
    for name in args.variants:
        if name not in VARIANTS:
            parser.error(f"unknown variant {name} (known: {', '.join(VARIANTS)})")
    if args.worker:
        import logging
        import warnings

        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)
        warnings.filterwarnings("ignore")
        run_variant(args.variants[0], args.folds, args.nlu, args.tag)
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    if "glove" in args.variants and not (ROOT / GLOVE_PIPELINE / "meta.json").is_file():
        subprocess.run([sys.executable, "-m", "sciatica.encoders", "--glove"], cwd=ROOT, check=True)
    for name in args.variants:
        start = time.monotonic()
        print(f"compare: {name} ...", flush=True)
        with open(OUT / f"{name}{args.tag}.log", "w") as log:
            code = subprocess.call([sys.executable, __file__, "--worker", "--folds", str(args.folds),
                                "--nlu", str(args.nlu), "--tag", args.tag, name],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "LOG_LEVEL": "WARNING"})
        print(f"compare: {name} {'done' if code == 0 else f'FAILED ({code}), see ' + str(OUT / (name + '.log'))} "
              f"in {time.monotonic() - start:.0f} s", flush=True)
    lines = ["# Dense features compared (model's own intent, before RedFlagTriage)", "",
             f"Training data: {args.nlu}", "", *table(args.tag)]
    (OUT / f"comparison{args.tag}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
