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


def four_classes(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (4, 30))
    x = np.vstack([rng.normal(c, 1.5, (20, 30)) for c in centres]).astype(np.float32)
    return x, np.repeat([0, 1, 2, 3], 20)


def test_the_svm_fitted_on_its_gram_matrix_is_the_linear_svm():
    from sklearn.svm import SVC

    from sciatica_rasa.intent_classifier import fit_linear_on_gram

    x, y = four_classes(2)
    new, _ = four_classes(3)
    settings = dict(C=20, probability=True, class_weight="balanced", random_state=7)
    direct = SVC(kernel="linear", **settings).fit(x, y)
    on_gram = fit_linear_on_gram(SVC(kernel="linear", **settings), x, y)
    assert on_gram.kernel == "linear" and on_gram.support_vectors_.shape[1] == x.shape[1]
    assert np.array_equal(on_gram.support_, direct.support_)
    assert np.allclose(on_gram.decision_function(new), direct.decision_function(new), atol=1e-9)
    assert np.allclose(on_gram.predict_proba(new), direct.predict_proba(new), atol=1e-9)


def test_the_svm_fitted_on_its_gram_matrix_is_stored_and_loaded_as_rasa_does(tmp_path):
    import skops.io as sio
    from sklearn.svm import SVC

    from sciatica_rasa.intent_classifier import fit_linear_on_gram

    x, y = four_classes(4)
    svc = fit_linear_on_gram(SVC(C=20, kernel="linear", probability=True, random_state=7), x, y)
    sio.dump(svc, tmp_path / "svc.skops")
    assert sio.get_untrusted_types(file=tmp_path / "svc.skops") == []  # Rasa refuses any other
    loaded = sio.load(tmp_path / "svc.skops", trusted=[])
    assert np.array_equal(loaded.predict_proba(x), svc.predict_proba(x))


def test_the_one_point_grid_fits_a_linear_svm_on_its_gram_matrix():
    x, y = four_classes(5)
    one = classifier(7)._create_classifier(1, y).fit(x, y)
    assert one.estimator.kernel == "linear" and one.estimator.shape_fit_ == x.shape
