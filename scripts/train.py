"""Train the Rasa model only when its inputs changed (by content, not by date).

The inputs hash covers the training data, domain, config, the spaCy pipeline's
own inputs hash and the code of the in-process Rasa components. It is stored
next to the model; a second `make run` with nothing changed does not retrain.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sciatica.encoders import ENCODERS, encoder_digest  # noqa: E402
from sciatica.nlp.pipeline import DEFAULT_OUTPUT, built_digest  # noqa: E402

MODELS = ROOT / "models"
MODEL = MODELS / "sciatica.tar.gz"
STAMP = MODELS / "sciatica.inputs.sha256"
# How long the last training took, for `make bench` (Rasa's cache in .rasa/ can
# shorten a retrain after a small change; `make clean` empties it).
TIMING = MODELS / "sciatica.training.json"
TRAINING_DATA = ["data/nlu", "data/rules.yml", "data/stories.yml"]
# The in-process NLU components are part of the model (Rasa fingerprints their code).
INPUTS = [
    "config.yml", "domain.yml", *TRAINING_DATA,
    "sciatica_rasa/components.py", "sciatica_rasa/spacy_nlp.py", "sciatica_rasa/policies.py",
    "sciatica_rasa/dense.py", "sciatica_rasa/ngrams.py", "sciatica_rasa/intent_classifier.py",
    "sciatica/encoders.py",
]


def input_files() -> list[Path]:
    files: list[Path] = []
    for name in INPUTS:
        path = ROOT / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".py"}) if path.is_dir() else [path])
    return files


def inputs_digest() -> str:
    digest = hashlib.sha256((built_digest(DEFAULT_OUTPUT) or "no pipeline").encode())
    for folder in ENCODERS:
        digest.update((encoder_digest(folder) or "no encoder").encode())
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Progress:
    """On a terminal, one line rewritten in place: the time so far and what Rasa is training."""

    STAGE = re.compile(r"(?:Starting to train component|Restored component) '([^']+)'")

    def __init__(self, log: Path, interactive: bool) -> None:
        self.log = log
        self.interactive = interactive
        self.stage = "starting"

    def show(self, seconds: float) -> None:
        if not self.interactive:
            return
        try:
            found = self.STAGE.findall(self.log.read_text(errors="replace"))
        except OSError:
            found = []
        self.stage = found[-1] if found else self.stage
        print(f"\r\033[Ktrain: {seconds // 60:.0f}:{seconds % 60:02.0f} training {self.stage} ...", end="", flush=True)

    def done(self) -> None:
        if self.interactive:
            print("\r\033[K", end="", flush=True)


def main() -> int:
    digest = inputs_digest()
    if MODEL.is_file() and STAMP.is_file() and STAMP.read_text().strip() == digest:
        print(f"train: model is up to date ({MODEL.relative_to(ROOT)})")
        return 0
    log = Path(os.environ.get("LOG_DIR", ROOT / "var" / "log")) / "train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    command = [
        str(ROOT / ".venv" / "bin" / "rasa"), "train",
        "--data", *TRAINING_DATA,
        "--domain", "domain.yml", "--config", "config.yml",
        "--out", "models", "--fixed-model-name", "sciatica",
    ]
    # INFO names each component as its training starts: the progress line reads it from the log.
    env = {**os.environ, "LOG_LEVEL": os.environ.get("TRAIN_LOG_LEVEL", "INFO")}
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    progress = Progress(log, interactive=sys.stdout.isatty())
    print(f"train: training the model (a few minutes on two cores; log: {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log}) ...",
          end="" if progress.interactive else "\n", flush=True)
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        while process.poll() is None:
            progress.show(time.monotonic() - start)
            time.sleep(1)
    progress.done()
    if process.returncode != 0 or not MODEL.is_file():
        print(f"train: training failed (exit code {process.returncode}); the end of {log}:", file=sys.stderr)
        for line in log.read_text(errors="replace").splitlines()[-30:]:
            print(f"train:   {line}", file=sys.stderr)
        return process.returncode or 1
    seconds = time.monotonic() - start
    STAMP.write_text(digest + "\n")
    TIMING.write_text(json.dumps({"seconds": round(seconds, 1), "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n")
    print(f"train: done in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
