"""Dense features from a pretrained sentence encoder (all-mpnet-base-v2 in config.yml), for the intent classifier.

`SentenceEncoderFeaturizer` gives each message the encoder's sentence vector (mean-pooled,
normalised: what sentence-transformers calls the embedding) and, if `token_features` is
on, a vector per Rasa token (the mean of its word pieces). The encoder is built by
`make pipeline` into `build/encoders/` (sciatica/encoders.py) and loaded by path from
config.yml; its fingerprint is the content digest of that folder, so the model retrains
when the encoder changes, not when it moves.

Inference runs in graph mode with a fixed input signature (one trace for the life of the
process, whatever the message's length), with the vectors of recent texts cached;
training featurizes all examples in batches.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.model import InvalidModelError
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sciatica.encoders import MPNET_DIR, EncoderError, SentenceEncoder, encoder_digest
from sciatica_rasa.graph import NodeNamedComponent


@lru_cache(maxsize=2)
def load_encoder(folder: Text, digest: Optional[Text], cache_size: int) -> SentenceEncoder:
    """One encoder per folder and content in a process, shared by the graph's nodes."""
    try:
        return SentenceEncoder(folder, cache_size=cache_size)
    except EncoderError as error:
        raise InvalidModelError(f"The sentence encoder could not be loaded: {error}") from error


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, NodeNamedComponent):
    """Sentence (and optionally token) features from the encoder built in the folder `model`."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model": str(MPNET_DIR.relative_to(MPNET_DIR.parents[2])),
            "token_features": False,
            "batch_size": 64,
            # Sentence vectors of this many recent texts are kept ("no", "yes" and the
            # follow-ups repeat across conversations); 0 turns the cache off.
            "cache_size": 4096,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        return encoder_digest(Path(config.get("model") or ""))

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not config.get("model"):
            raise InvalidModelError("SentenceEncoderFeaturizer needs 'model': the folder make pipeline builds")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        folder = Path(config["model"])
        self.encoder = load_encoder(str(folder.resolve()), encoder_digest(folder), int(config["cache_size"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize([m for m in messages if m.get(TEXT)])
        return messages

    def _featurize(self, messages: List[Message]) -> None:
        if not messages:
            return
        texts = [m.get(TEXT) for m in messages]
        spans = None
        if self._config["token_features"]:
            spans = [[(t.start, t.end) for t in m.get(TOKENS_NAMES[TEXT]) or []] for m in messages]
        results = self.encoder.encode_batched(texts, spans, batch_size=self._config["batch_size"])
        for message, (sentence, tokens) in zip(messages, results):
            sequence = tokens if tokens is not None and len(tokens) else None
            self.add_features_to_message(sequence, np.asarray(sentence, dtype=np.float32)[None, :], TEXT, message)
