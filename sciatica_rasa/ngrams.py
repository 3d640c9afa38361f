"""The words of a message, as dense sentence features next to the sentence vector.

The sentence encoder hears what a message is about, and blurs the few words that name a
follow-up outright: "reps", "hold", "both sides", "another", "harder". TF-IDF of the
training examples' words and word pairs gives the SVM those words back, scaled by a
`weight` against the encoder's unit-length vector. Chosen on our folds and the development
set, never the held-out file (README, "Dense features", round 9).

The vocabulary and its weights are learned in training and stored with the model as JSON
(no pickle); a message's vector is dense, as the SVM reads only dense features.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

STORED = "word_ngrams.json"


def vectorizer(max_ngram: int, min_df: int, vocabulary: Optional[Dict[str, int]] = None) -> Any:
    """Lower-cased words of two letters or more and their runs up to `max_ngram`, TF-IDF with
    sublinear counts; each vector has unit length."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, max_ngram), min_df=min_df, sublinear_tf=True, vocabulary=vocabulary)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class WordNgramFeaturizer(DenseFeaturizer, GraphComponent):
    """`weight` x the TF-IDF vector of the message's words and word pairs (`max_ngram`)
    over the n-grams found in at least `min_df` training examples."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "max_ngram": 2, "min_df": 2, "weight": 0.5}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not float(config.get("weight", 0)) > 0:
            raise ValueError("WordNgramFeaturizer needs a 'weight' above 0")
        if int(config.get("max_ngram", 0)) < 1 or int(config.get("min_df", 0)) < 1:
            raise ValueError("WordNgramFeaturizer needs 'max_ngram' and 'min_df' of 1 or more")

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource,
                 fitted: Any = None) -> None:
        super().__init__(name, config)
        self.validate_config(config)
        self._model_storage = model_storage
        self._resource = resource
        self._fitted = fitted

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WordNgramFeaturizer":
        return cls(config, execution_context.node_name, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self.fit([m.get(TEXT) for m in training_data.intent_examples if m.get(TEXT)])
        self.persist()
        return self._resource

    def fit(self, texts: List[Text]) -> "WordNgramFeaturizer":
        """Learn the vocabulary and its weights from `texts` (what `train` does, unstored)."""
        self._fitted = vectorizer(int(self._config["max_ngram"]), int(self._config["min_df"])).fit(texts)
        return self

    def persist(self) -> None:
        stored = {"vocabulary": {term: int(index) for term, index in self._fitted.vocabulary_.items()},
                  "idf": [float(value) for value in self._fitted.idf_]}
        with self._model_storage.write_to(self._resource) as folder:
            (folder / STORED).write_text(json.dumps(stored, ensure_ascii=False))

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "WordNgramFeaturizer":
        with model_storage.read_from(resource) as folder:
            stored = json.loads((folder / STORED).read_text())
        fitted = vectorizer(int(config["max_ngram"]), int(config["min_df"]), stored["vocabulary"])
        fitted.idf_ = np.asarray(stored["idf"], dtype=np.float64)
        return cls(config, execution_context.node_name, model_storage, resource, fitted)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        if with_text:
            for message, vector in zip(with_text, self.vectors([m.get(TEXT) for m in with_text])):
                self.add_features_to_message(None, vector[None, :], TEXT, message)
        return messages

    def vectors(self, texts: List[Text]) -> np.ndarray:
        """One weighted row per text: the features `process` adds to each message."""
        if self._fitted is None:
            raise RuntimeError("WordNgramFeaturizer has no vocabulary: it must be trained or loaded first")
        return (self._config["weight"] * self._fitted.transform(texts).toarray()).astype(np.float32)
