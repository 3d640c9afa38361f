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


def test_the_stored_svm_loads_with_the_same_probabilities_and_no_pickle(tmp_path):
    from sklearn.svm import SVC

    from sciatica_rasa.intent_classifier import fit_linear_on_gram, load_svc, save_svc

    x, y = four_classes(4)
    svc = fit_linear_on_gram(SVC(C=20, kernel="linear", probability=True, random_state=7), x, y)
    save_svc(svc, tmp_path / "svc")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc.json", "svc.npz"]
    loaded = load_svc(tmp_path / "svc")
    assert loaded.get_params() == svc.get_params()
    assert np.array_equal(loaded.predict_proba(x), svc.predict_proba(x))
    assert np.array_equal(loaded.predict(x), svc.predict(x))


def test_the_trained_component_is_stored_and_loaded_by_rasas_model_storage(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    def message(vector, intent=None):
        m = Message(data={TEXT: "text", **({"intent": intent} if intent else {})})
        m.add_features(Features(vector[None, :], "sentence", TEXT, "dense"))
        return m

    x, y = four_classes(6)
    names = np.array(["ask_reps", "ask_hold_time", "greet", "deny"])
    storage, resource = LocalModelStorage(tmp_path), Resource("svm")
    context = ExecutionContext(GraphSchema({}), "svm")
    config = {**classifier(7).component_config, "C": [20]}
    trained = SeededSklearnIntentClassifier.create(config, storage, resource, context)
    trained.train(TrainingData([message(v, names[label]) for v, label in zip(x, y)]))
    loaded = SeededSklearnIntentClassifier.load(config, storage, resource, context)
    new, _ = four_classes(7)
    for vector in new[:10]:
        ours, theirs = trained.process([message(vector)])[0], loaded.process([message(vector)])[0]
        assert ours.get("intent") == theirs.get("intent") and ours.get("intent")["name"] in names
        assert ours.get("intent_ranking") == theirs.get("intent_ranking")


def test_an_untrained_component_loads_as_untrained(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    loaded = SeededSklearnIntentClassifier.load(classifier(7).component_config, LocalModelStorage(tmp_path),
                                                Resource("never_trained"), ExecutionContext(GraphSchema({}), "svm"))
    assert loaded.clf is None


def test_the_one_point_grid_fits_a_linear_svm_on_its_gram_matrix():
    x, y = four_classes(5)
    one = classifier(7)._create_classifier(1, y).fit(x, y)
    assert one.estimator.kernel == "linear" and one.estimator.shape_fit_ == x.shape
