"""The held-out NLU files share no message with the training data (word for word), and the
training phrasings written by others come from none of their pages. The development set's
messages that may train do so only through their generated file, from their own pages."""
from pathlib import Path

import pytest
import yaml

from sciatica_rasa import nlu_eval
from sciatica_rasa.development_training import TRAINING_FILE, normalised, site, urls_in

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ["tests/nlu_holdout.yml", "tests/nlu_external.yml", "tests/nlu_external_fresh.yml"]


def normalised_texts(path: Path) -> set[str]:
    """The messages of an NLU file or folder, normalised for a word-for-word comparison."""
    return {normalised(text) for text in nlu_eval.texts_of(path)}


DEVELOPMENT = ROOT / "tests" / "nlu_external.yml"
# The development set's messages that may train, generated (sciatica_rasa/development_training.py).
DEVELOPMENT_TRAINING = ROOT / TRAINING_FILE


def training_texts(but: Path | None = None) -> set[str]:
    files = [path for path in sorted((ROOT / "data" / "nlu").glob("*.yml")) if path != but]
    return set().union(*(normalised_texts(path) for path in files))


@pytest.mark.parametrize("name", HELD_OUT)
def test_no_held_out_message_is_a_training_example(name):
    """The development set's own messages may train, from their generated file only."""
    allowed = DEVELOPMENT_TRAINING if ROOT / name == DEVELOPMENT else None
    shared = normalised_texts(ROOT / name) & training_texts(but=allowed)
    assert not shared, f"{name} holds training examples: {sorted(shared)[:10]}"


def test_the_development_set_trains_only_through_its_generated_file():
    import importlib.util

    spec = importlib.util.spec_from_file_location("public_development_set",
                                                  ROOT / "scripts" / "public_development_set.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text, kept, _, total = script.generate()
    assert DEVELOPMENT_TRAINING.read_text(encoding="utf-8") == text, \
        "data/nlu/public_development_set.yml is stale or edited: run scripts/public_development_set.py"
    assert normalised_texts(DEVELOPMENT_TRAINING) <= normalised_texts(DEVELOPMENT) and 0 < len(kept) < total


def test_the_second_labelling_covers_the_external_files_message_for_message():
    """`make eval`'s label agreement (sciatica_rasa.nlu_eval.label_agreement) needs every text."""
    intents = yaml.safe_load((ROOT / "domain.yml").read_text())["intents"]
    second = nlu_eval.read_second_labels(ROOT / "tests" / "nlu_external_second_labels.json", intents)
    assert sorted(second) == ["tests/nlu_external.yml", "tests/nlu_external_fresh.yml"]
    for name, labels in second.items():
        texts = nlu_eval.texts_of(ROOT / name)
        assert sorted(labels) == sorted(texts), name


# Training phrasings written by others (data/nlu/public_*.yml) came from pages that no
# held-out set used, and from no site of the sets collected last (held out).
PUBLIC_PHRASINGS = sorted((ROOT / "data" / "nlu").glob(nlu_eval.PUBLIC_PHRASINGS))
HELD_OUT_FILES = [ROOT / name for name in HELD_OUT] + sorted((ROOT / "tests" / "triage").glob("*/*.yml"))
FRESH_FILES = [ROOT / "tests" / "nlu_external_fresh.yml", *sorted((ROOT / "tests" / "triage" / "fresh").glob("*.yml"))]


def sources_of(path: Path) -> list[str | None]:
    return [(example.get("metadata") or {}).get("source")
            for block in yaml.safe_load(path.read_text())["nlu"] for example in block["examples"]]


@pytest.fixture(scope="module")
def held_out_pages() -> dict[Path, set[str]]:
    """Every URL each held-out file names, read once for all the tests below."""
    return {path: urls_in(yaml.safe_load(path.read_text())) for path in HELD_OUT_FILES}


def test_there_are_public_phrasings():
    assert len(PUBLIC_PHRASINGS) >= 3 and all(sources_of(path) for path in PUBLIC_PHRASINGS)


@pytest.mark.parametrize("path", PUBLIC_PHRASINGS, ids=lambda p: p.name)
def test_each_public_phrasing_names_its_page_and_none_is_a_held_out_page(path, held_out_pages):
    fresh_sites = {site(url) for file in FRESH_FILES for url in held_out_pages[file]}
    sources = sources_of(path)
    assert all(source and source.startswith("http") for source in sources), f"{path.name}: an example without its page"
    # The generated file's pages are the development set's own; no other held-out set's.
    others = set().union(*(pages for file, pages in held_out_pages.items()
                           if not (path == DEVELOPMENT_TRAINING and file == DEVELOPMENT)))
    assert not set(sources) & others, f"{path.name} uses pages of a held-out set"
    assert not {site(source) for source in sources} & fresh_sites, f"{path.name} uses sites of the fresh held-out sets"
