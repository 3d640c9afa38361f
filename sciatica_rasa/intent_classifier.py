"""Intents from a linear SVM on the sentence vector, trained the same way every time.

Rasa's SklearnIntentClassifier leaves the SVM's probability calibration (an inner
cross-validation that shuffles) to numpy's global random state, so two trainings on
the same data give slightly different confidences, and so different fallbacks. This
subclass only seeds it, as DIET and TED are seeded.
"""
from __future__ import annotations

from typing import Any, Dict, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.sklearn_intent_classifier import SklearnIntentClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SeededSklearnIntentClassifier(SklearnIntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SklearnIntentClassifier.get_default_config(), "random_seed": 20261121}

    def _create_classifier(self, num_threads: int, y: np.ndarray):
        search = super()._create_classifier(num_threads, y)
        search.estimator.set_params(random_state=self.component_config["random_seed"])
        return search
