"""TEDPolicy that remembers what it predicted for each dialogue state.

TED was the largest single cost of a turn (a TensorFlow call before every
action, about 7 ms each here). Its prediction depends only on the last
`max_history` dialogue states (intents, entities, featurised slots, loop,
previous action), not on the words, so equal states always give equal
predictions. A triage conversation passes through few distinct states
(greeting, an exercise question, its follow-ups, the screening questions),
so most predictions repeat. Models trained with text in their stories
(end-to-end) read the words too, and are never served from the cache.

It also loads its trained weights straight into the prediction graph
(`PredictionTED`), which halves the server's start and saves it 200 MB.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text, Tuple

import tensorflow as tf
from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

PREDICTION_CACHE_SIZE = "prediction_cache_size"


class PredictionTED(TED):
    """TED loaded for prediction only.

    Rasa's loader trains the new model one step to create its variables before it
    reads the trained values into them. That builds the training graph too
    (gradients, optimizer) and cost every server process 10 s and 200 MB here.
    Instead, TensorFlow restores each value as the prediction graph creates its variable.
    """

    @classmethod
    def load(cls, model_file_name, model_data_example, predict_data_example=None, finetune_mode=False,
             *args: Any, **kwargs: Any) -> TED:
        if finetune_mode or predict_data_example is None:
            return super().load(model_file_name, model_data_example, predict_data_example, finetune_mode,
                                *args, **kwargs)
        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                      run_eagerly=config.get(RUN_EAGERLY))
        restored = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)
        # Every variable prediction uses holds its trained value, or the load fails here.
        restored.assert_existing_objects_matched()
        # The optimizer's slots are in the file too; only training reads them.
        restored.expect_partial()
        return model


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class CachedTEDPolicy(TEDPolicy):
    """TEDPolicy with a bounded cache of predictions keyed by the dialogue states it reads."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Entries hold one confidence per action: 10,000 of them take a few MB.
        return {**TEDPolicy.get_default_config(), PREDICTION_CACHE_SIZE: 10_000}

    @staticmethod
    def model_class() -> type[TED]:
        return PredictionTED

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._predictions: OrderedDict[str, Tuple[List[float], Optional[Dict[Text, Any]]]] = OrderedDict()
        self.cache_hits = 0
        self.cache_misses = 0

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        precomputations: Optional[MessageContainerForCoreFeaturization] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if self.model is None or not self._reads_only_states():
            return super().predict_action_probabilities(tracker, domain, rule_only_data, precomputations, **kwargs)
        key = self._states_key(tracker, domain, rule_only_data)
        cached = self._predictions.get(key)
        if cached is not None:
            self.cache_hits += 1
            self._predictions.move_to_end(key)
            confidences, diagnostic_data = cached
            return self._prediction(list(confidences), diagnostic_data=diagnostic_data)
        self.cache_misses += 1
        prediction = super().predict_action_probabilities(tracker, domain, rule_only_data, precomputations, **kwargs)
        self._remember(key, prediction)
        return prediction

    def _reads_only_states(self) -> bool:
        return TEXT not in self.fake_features and not self.only_e2e

    def _states_key(self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: Optional[Dict[Text, Any]]) -> str:
        # The very states TED featurises (see Policy._prediction_states).
        states = self._prediction_states(tracker, domain, rule_only_data=rule_only_data)
        return json.dumps(states, sort_keys=True)

    def _remember(self, key: str, prediction: PolicyPrediction) -> None:
        size = int(self.config.get(PREDICTION_CACHE_SIZE) or 0)
        if size <= 0 or prediction.optional_events or prediction.is_end_to_end_prediction:
            return
        self._predictions[key] = (list(prediction.probabilities), prediction.diagnostic_data)
        while len(self._predictions) > size:
            self._predictions.popitem(last=False)
