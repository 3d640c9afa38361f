"""SpacyNLP that loads the project's own pipeline and fingerprints its content.

Rasa fingerprints the stock SpacyNLP by the model name only, so a change to our
rules would not retrain the model. This subclass adds the pipeline's inputs hash
to the fingerprint. It keeps the class name `SpacyNLP` because Rasa's tokenizer
and featurizers find their model provider by that name.

Rasa makes two SpacyNLP nodes of the graph (model provider and featurizer),
each loading the pipeline; the red-flag detector's matchers make a loaded
pipeline weigh about 150 MB, so a process loads each folder once.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils import spacy_utils

# Registers our spaCy factories before spacy.load() needs them.
import sciatica.nlp.lemmatizer  # noqa: F401
import sciatica.nlp.red_flags  # noqa: F401
from sciatica.nlp.pipeline import built_digest


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Provides the project's spaCy pipeline, loaded from a folder."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        return built_digest(Path(config.get("model") or ""))

    @staticmethod
    def load_model(spacy_model_name: Text) -> spacy_utils.SpacyModel:
        folder = Path(spacy_model_name)
        # Keyed by content too: a pipeline rebuilt in place is loaded afresh.
        return _load_once(str(folder.resolve()), built_digest(folder), spacy_model_name)


@lru_cache(maxsize=4)
def _load_once(folder: Text, digest: Optional[str], spacy_model_name: Text) -> spacy_utils.SpacyModel:
    """Shared by every node of the graph: spaCy pipelines are read-only at inference."""
    if not (Path(spacy_model_name) / "meta.json").is_file():
        raise InvalidModelError(
            f"The project's spaCy pipeline is missing at '{spacy_model_name}'. "
            f"Build it with 'make pipeline' (make run and make test do it for you)."
        )
    return spacy_utils.SpacyNLP.load_model(spacy_model_name)
