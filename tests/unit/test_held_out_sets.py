"""The held-out NLU files share no message with the training data (word for word)."""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ["tests/nlu_holdout.yml", "tests/nlu_external.yml", "tests/nlu_external_fresh.yml"]


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower().replace("’", "'")).split())


def held_out_texts(path: Path) -> set[str]:
    texts = set()
    for block in yaml.safe_load(path.read_text())["nlu"]:
        examples = block.get("examples") or []
        if isinstance(examples, str):  # the plain "- text" list of Rasa's format
            examples = [{"text": line[2:]} for line in examples.splitlines() if line.startswith("- ")]
        texts |= {normalised(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", e["text"])) for e in examples}
    return texts


def training_texts() -> dict[str, str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return {normalised(m.get("text")): m.get("text") for m in load_data(str(ROOT / "data" / "nlu")).training_examples}


@pytest.mark.parametrize("name", HELD_OUT)
def test_no_held_out_message_is_a_training_example(name):
    shared = held_out_texts(ROOT / name) & set(training_texts())
    assert not shared, f"{name} holds training examples: {sorted(shared)[:10]}"
