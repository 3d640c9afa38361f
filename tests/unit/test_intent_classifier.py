"""The SVM intent classifier: seeded, so the same data trains the same confidences."""
import numpy as np

from sciatica_rasa.intent_classifier import SeededSklearnIntentClassifier


def classifier(seed: int) -> SeededSklearnIntentClassifier:
    config = {**SeededSklearnIntentClassifier.get_default_config(), "C": [1], "kernels": ["linear"],
              "random_seed": seed}
    return SeededSklearnIntentClassifier(config, model_storage=None, resource=None)


def confidences(seed: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (12, 4)), rng.normal(1, 1, (12, 4)), rng.normal(-1, 1, (12, 4))])
    y = np.repeat([0, 1, 2], 12)
    search = classifier(seed)._create_classifier(1, y)
    np.random.seed(None)  # what the seed must make irrelevant
    return search.fit(x, y).predict_proba(x)


def test_the_svms_calibration_is_seeded_by_the_config():
    assert classifier(7)._create_classifier(1, np.repeat([0, 1, 2], 12)).estimator.random_state == 7
    assert np.array_equal(confidences(7), confidences(7))


def test_a_grid_of_one_point_is_fitted_once_as_the_search_would_have():
    from sklearn.model_selection import GridSearchCV

    from sciatica_rasa.intent_classifier import FixedParameters

    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(0, 1, (12, 4)), rng.normal(1, 1, (12, 4)), rng.normal(-1, 1, (12, 4))])
    y = np.repeat([0, 1, 2], 12)
    one = classifier(7)._create_classifier(1, y)
    assert isinstance(one, FixedParameters) and one.estimator.C == 1 and one.estimator.kernel == "linear"
    config = {**classifier(7).component_config, "C": [1, 2]}
    search = SeededSklearnIntentClassifier(config, model_storage=None, resource=None)._create_classifier(1, y)
    assert isinstance(search, GridSearchCV)
    searched = search.set_params(param_grid=[{"C": [1], "gamma": [0.1], "kernel": ["linear"]}], verbose=0).fit(x, y)
    assert np.allclose(one.fit(x, y).predict_proba(x), searched.predict_proba(x))
    assert one.best_estimator_ is one.estimator
