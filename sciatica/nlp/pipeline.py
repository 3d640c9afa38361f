"""Build the project's own spaCy pipeline from the data files in the repo.

No official spaCy model can be downloaded, so the project owns its pipeline:
blank English, our lemma table, an entity ruler for body areas, symptoms, sides
and exercise names, and the red-flag detector. It is saved with `to_disk()` and
Rasa loads it by path (see config.yml).

The inputs are hashed into the pipeline's meta.json. The build is skipped while
the hash matches, and Rasa's fingerprint of the pipeline includes it, so a rule
change really rebuilds the pipeline and retrains the model.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language

from sciatica import DATA_DIR, PROJECT_ROOT
from sciatica.catalog import load_catalog
from sciatica.datafiles import DataFileError, load_yaml, require_mapping
from sciatica.nlp.lemmatizer import add_domain_lemmatizer
from sciatica.nlp.red_flags import add_red_flag_detector

DEFAULT_OUTPUT = PROJECT_ROOT / "build" / "spacy" / "sciatica_pipeline"
LEXICON_PATH = DATA_DIR / "nlp" / "lexicon.yml"
META_KEY = "sciatica_inputs_sha256"

# Everything whose content shapes the saved pipeline.
INPUTS: tuple[Path, ...] = (
    LEXICON_PATH,
    DATA_DIR / "nlp" / "lemmas.yml",
    DATA_DIR / "triage" / "red_flags.yml",
    DATA_DIR / "catalog" / "exercises.yml",
    *sorted((PROJECT_ROOT / "sciatica" / "nlp").glob("*.py")),
)


def inputs_digest(paths: Iterable[Path] = INPUTS) -> str:
    digest = hashlib.sha256(spacy.__version__.encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def built_digest(output: Path) -> str | None:
    """The inputs hash recorded in a saved pipeline, or None if there is none."""
    try:
        meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta.get(META_KEY)


def lexicon_patterns(path: Path = LEXICON_PATH) -> Iterator[dict]:
    lexicon = require_mapping(path, load_yaml(path))
    entities = require_mapping(path, lexicon.get("entities"), "entities")
    for label, values in entities.items():
        for value, phrases in require_mapping(path, values, label).items():
            if not phrases:
                raise DataFileError(path, "no phrases", f"{label}.{value}")
            for phrase in phrases:
                yield {"label": label, "pattern": str(phrase).lower(), "id": value}


def catalog_patterns() -> Iterator[dict]:
    """Exercise names and aliases, then the everyday words for the areas they target."""
    catalog = load_catalog()
    for exercise in catalog:
        for phrase in exercise.phrases:
            yield {"label": "exercise", "pattern": phrase.lower(), "id": exercise.id}
    for area, words in catalog.area_words.items():
        for word in words:
            yield {"label": "body_area", "pattern": word.lower(), "id": area}


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    add_domain_lemmatizer(nlp)
    ruler = nlp.add_pipe(
        "entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
    )
    # The ruler keeps the longest match, so "back of my thigh" (hamstrings) wins
    # over "back" and "knee to chest" (an exercise) over "chest".
    ruler.add_patterns([*catalog_patterns(), *lexicon_patterns()])
    add_red_flag_detector(nlp)
    return nlp


def ensure_pipeline(output: Path = DEFAULT_OUTPUT, force: bool = False) -> bool:
    """Build and save the pipeline unless an up-to-date one is there. True if built."""
    digest = inputs_digest()
    if not force and built_digest(output) == digest:
        return False
    nlp = build_pipeline()
    nlp.meta["name"] = "sciatica_pipeline"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Domain pipeline of the sciatica assistant, built from data/"
    nlp.meta[META_KEY] = digest
    staging = output.with_name(output.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(staging)
    shutil.rmtree(output, ignore_errors=True)
    staging.rename(output)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        built = ensure_pipeline(args.output, force=args.force)
    except DataFileError as error:
        print(f"pipeline: {error}", file=sys.stderr)
        return 1
    print(f"pipeline: {'built' if built else 'up to date'} at {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
