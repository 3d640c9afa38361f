"""The held-out NLU files share no message with the training data (word for word)."""
import re
from pathlib import Path

import pytest

from sciatica_rasa import nlu_eval

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ["tests/nlu_holdout.yml", "tests/nlu_external.yml", "tests/nlu_external_fresh.yml"]


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower().replace("’", "'")).split())


def texts_of(path: Path) -> set[str]:
    """The messages of an NLU file or folder, as Rasa reads them (entity markup removed)."""
    return {normalised(m.get("text")) for m in nlu_eval.labelled(nlu_eval.read_nlu_file(path))}


@pytest.mark.parametrize("name", HELD_OUT)
def test_no_held_out_message_is_a_training_example(name):
    shared = texts_of(ROOT / name) & texts_of(ROOT / "data" / "nlu")
    assert not shared, f"{name} holds training examples: {sorted(shared)[:10]}"
