"""Intents from a linear SVM on the sentence vector, trained the same way every time.

Rasa's SklearnIntentClassifier leaves the SVM's probability calibration (an inner
cross-validation that shuffles) to numpy's global random state, so two trainings on
the same data give slightly different confidences, and so different fallbacks. This
subclass seeds it, as DIET and TED are seeded. And a grid of one point (config.yml's
C: [20]) is fitted once on all the examples: Rasa's grid search would first
cross-validate that one point for nothing, and then fit the same SVM. That one linear
SVM is fitted on its Gram matrix (`fit_linear_on_gram`), which is the same SVM, faster.
The fitted SVM is stored as its numbers (`save_svc`), not through skops as Rasa does.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.sklearn_intent_classifier import SklearnIntentClassifier


class FixedParameters:
    """What Rasa uses of a grid search (fit, predict_proba, best_estimator_), for one point."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = self.best_estimator_ = estimator

    def set_params(self, **params: Any) -> "FixedParameters":
        self.estimator.set_params(**params)
        return self

    def fit(self, x: np.ndarray, y: np.ndarray) -> "FixedParameters":
        if self.estimator.kernel == "linear":
            fit_linear_on_gram(self.estimator, x, y)
        else:
            self.estimator.fit(x, y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.estimator.predict_proba(x)


def fit_linear_on_gram(svc: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Fit a linear-kernel `svc` on the dot products of `x`, then hand it back as linear.

    libsvm computes each dot product again in every pass (and in each of its five inner
    fits for the probability calibration); given them once, it fits the same SVM, with the
    same probabilities, several times faster: 0.3 s against 1.4 s on 1,652 examples of
    775 features, 0.6 s against 7 s on 2,892. Afterwards the support vectors are put back,
    so the result is a plain linear SVC: it predicts, and `save_svc` stores it, as one
    (tests/unit/test_intent_classifier.py checks it against SVC's own fit).
    """
    x = np.asarray(x, dtype=np.float64)
    svc.set_params(kernel="precomputed").fit(x @ x.T, y)
    svc.set_params(kernel="linear")
    svc.support_vectors_ = x[svc.support_]
    svc.shape_fit_ = x.shape
    svc.n_features_in_ = x.shape[1]
    return svc


def save_svc(svc: Any, stem: Path) -> None:
    """A fitted SVC as its parameters and scalars (`stem`.json) and its arrays (`stem`.npz)."""
    fitted = {k: v for k, v in vars(svc).items() if k not in svc.get_params()}
    arrays = {k: v for k, v in fitted.items() if isinstance(v, np.ndarray)}
    scalars = {k: (list(v) if isinstance(v, tuple) else v.item() if isinstance(v, np.generic) else v)
               for k, v in fitted.items() if k not in arrays}
    stem.with_suffix(".json").write_text(json.dumps({"params": svc.get_params(), "fitted": scalars}))
    np.savez(stem.with_suffix(".npz"), **arrays)


def load_svc(stem: Path) -> Any:
    """The SVC `save_svc` stored: the same predictions and probabilities (no pickle is read)."""
    from sklearn.svm import SVC

    stored = json.loads(stem.with_suffix(".json").read_text())
    svc = SVC(**stored["params"])
    for name, value in stored["fitted"].items():
        setattr(svc, name, tuple(value) if isinstance(value, list) else value)
    with np.load(stem.with_suffix(".npz"), allow_pickle=False) as arrays:
        for name in arrays.files:
            setattr(svc, name, arrays[name])
    return svc


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SeededSklearnIntentClassifier(SklearnIntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SklearnIntentClassifier.get_default_config(), "random_seed": 20261121}

    def _create_classifier(self, num_threads: int, y: np.ndarray):
        search = super()._create_classifier(num_threads, y)
        search.estimator.set_params(random_state=self.component_config["random_seed"])
        [grid] = search.param_grid
        if all(len(values) == 1 for values in grid.values()):
            return FixedParameters(search.estimator.set_params(**{k: v[0] for k, v in grid.items()}))
        return search

    def persist(self) -> None:
        """The SVM as numbers, not through skops as Rasa stores it: importing skops.io looks
        up every numpy and scipy ufunc in each loaded module, about 7 s in a process that
        has TensorFlow loaded, in every training and again at every start."""
        if not (self.clf and self.le):
            return
        with self._model_storage.write_to(self._resource) as folder:
            classes, stem = self._stored(folder)
            classes.write_text(json.dumps(list(self.le.classes_)))
            save_svc(self.clf.best_estimator_, stem)

    @classmethod
    def _stored(cls, folder: Path) -> tuple[Path, Path]:
        """Where the intent names (in the SVM's order) and the SVM itself are stored."""
        return folder / f"{cls.__name__}_encoder.json", folder / f"{cls.__name__}_classifier"

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SeededSklearnIntentClassifier":
        from sklearn.preprocessing import LabelEncoder

        try:
            with model_storage.read_from(resource) as folder:
                names, stem = cls._stored(folder)
                if not stem.with_suffix(".json").exists():
                    return cls(config, model_storage, resource)
                classifier = load_svc(stem)
                classes = json.loads(names.read_text())
        except ValueError:  # no such resource: not trained, as Rasa's own load answers
            return cls(config, model_storage, resource)
        loaded = cls(config, model_storage, resource, classifier, LabelEncoder())
        loaded.transform_labels_str2num(classes)
        return loaded
