"""The word n-gram features: learned from the training examples, stored as JSON, the same after loading."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sciatica_rasa.ngrams import WordNgramFeaturizer

CONTEXT = ExecutionContext(GraphSchema({}), "word_ngrams")
CONFIG = {**WordNgramFeaturizer.get_default_config(), "min_df": 1, "weight": 0.5}
EXAMPLES = [("how long do I hold it", "ask_hold_time"), ("how many reps should I do", "ask_reps"),
            ("hold it for how long", "ask_hold_time"), ("the other side too", "ask_other_side")]


def training_data() -> TrainingData:
    return TrainingData([Message(data={TEXT: text, "intent": intent}) for text, intent in EXAMPLES])


def sentence_vector(featurizer: WordNgramFeaturizer, text: str) -> np.ndarray:
    message = Message(data={TEXT: text})
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    return sentence.features[0]


@pytest.fixture()
def trained(tmp_path):
    storage = LocalModelStorage(tmp_path)
    featurizer = WordNgramFeaturizer.create(CONFIG, storage, Resource("word_ngrams"), CONTEXT)
    featurizer.train(training_data())
    return featurizer, storage


def test_the_vector_is_the_weighted_tfidf_of_the_trained_words_and_pairs(trained):
    featurizer, _ = trained
    vocabulary = featurizer._fitted.vocabulary_
    assert {"hold", "how long", "other side", "reps"} <= set(vocabulary)
    assert "i" not in vocabulary  # one-letter words are not counted
    vector = sentence_vector(featurizer, "How LONG to hold?")
    assert vector.dtype == np.float32 and vector.shape == (len(vocabulary),)
    assert np.isclose(np.linalg.norm(vector), 0.5)
    assert vector[vocabulary["how long"]] > 0 and vector[vocabulary["reps"]] == 0


def test_a_message_of_unknown_words_gets_a_zero_vector(trained):
    assert not sentence_vector(trained[0], "¿dónde está?").any()


def test_the_loaded_featurizer_gives_the_same_vectors(trained):
    featurizer, storage = trained
    loaded = WordNgramFeaturizer.load(CONFIG, storage, Resource("word_ngrams"), CONTEXT)
    for text in ["how long do I hold the other side", "reps", "nothing known here"]:
        assert np.array_equal(sentence_vector(loaded, text), sentence_vector(featurizer, text))


def test_training_data_is_featurized_after_training(trained):
    featurizer, _ = trained
    data = featurizer.process_training_data(training_data())
    assert all(m.get_dense_features(TEXT)[1] is not None for m in data.training_examples)


def test_untrained_it_refuses_rather_than_leaving_the_features_out(tmp_path):
    featurizer = WordNgramFeaturizer.create(CONFIG, LocalModelStorage(tmp_path), Resource("n"), CONTEXT)
    with pytest.raises(RuntimeError, match="trained or loaded"):
        featurizer.process([Message(data={TEXT: "hold"})])


@pytest.mark.parametrize("bad", [{"weight": 0}, {"max_ngram": 0}, {"min_df": 0}])
def test_a_bad_config_fails_with_a_clear_message(tmp_path, bad):
    with pytest.raises(ValueError, match="WordNgramFeaturizer needs"):
        WordNgramFeaturizer.create({**CONFIG, **bad}, LocalModelStorage(tmp_path), Resource("n"), CONTEXT)


def test_fit_learns_what_train_learns_without_storing_it(trained, tmp_path):
    featurizer, _ = trained
    unstored = WordNgramFeaturizer(CONFIG, "word_ngrams", None, None).fit([text for text, _ in EXAMPLES])
    assert unstored._fitted.vocabulary_ == featurizer._fitted.vocabulary_
    texts = ["how long do I hold it", "reps on the other side"]
    assert np.array_equal(unstored.vectors(texts), np.stack([sentence_vector(featurizer, t) for t in texts]))
