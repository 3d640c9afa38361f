"""Choose the FallbackClassifier's thresholds on our own folds, never on a held-out file.

config.yml's intent classifier (a linear SVM on the sentence vector, the red-flag
rules' findings and the word n-grams, C by grid search, class weights balanced, its
calibration seeded), made by the component from config.yml's settings, is trained on two
of the three folds of data/nlu that `make eval` uses (the n-grams learned from those two,
as training learns them), and its probabilities on the third are read. For each pair of
thresholds: how many in-scope messages (all but out_of_scope) would get "Sorry, I didn't
quite understand", and how often the answered ones are right.

    .venv/bin/python scripts/fallback_thresholds.py      # about a minute
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from sciatica_rasa.nlu_eval import component_config  # noqa: E402

CONFIG = ROOT / "config.yml"
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
AMBIGUITY = (0.0, 0.02, 0.05)


def classifier():
    """config.yml's intent classifier, with its settings (C grid, kernels, seed)."""
    from sciatica_rasa.intent_classifier import SeededSklearnIntentClassifier

    return SeededSklearnIntentClassifier(component_config(SeededSklearnIntentClassifier, CONFIG),
                                         model_storage=None, resource=None)


def fixed_features(texts) -> np.ndarray:
    """The part of the intent classifier's input that training does not learn, as the
    pipeline makes it: the sentence vector, then the red-flag rules' findings."""
    import spacy
    from rasa.nlu.utils.spacy_utils import SpacyModel
    from rasa.shared.nlu.training_data.message import Message

    from sciatica.encoders import SentenceEncoder
    from sciatica.nlp.pipeline import DEFAULT_OUTPUT
    from sciatica_rasa.components import RedFlagFindingsFeaturizer
    from sciatica_rasa.dense import SentenceEncoderFeaturizer

    encoder = SentenceEncoder(ROOT / component_config(SentenceEncoderFeaturizer, CONFIG)["model"])
    vectors = np.stack([sentence for sentence, _ in encoder.encode_batched(texts)])
    spacy_model = SpacyModel(model=spacy.load(DEFAULT_OUTPUT), model_name=str(DEFAULT_OUTPUT))
    messages = [Message(data={"text": text}) for text in texts]
    featurizer = RedFlagFindingsFeaturizer(component_config(RedFlagFindingsFeaturizer, CONFIG), "findings")
    featurizer.process(messages, spacy_model)
    findings = np.concatenate([m.get_dense_features("text")[1].features for m in messages])
    return np.hstack([vectors, findings])


def word_ngrams():
    """config.yml's word n-gram featurizer, untrained (each fold fits its own)."""
    from sciatica_rasa.ngrams import WordNgramFeaturizer

    return WordNgramFeaturizer(component_config(WordNgramFeaturizer, CONFIG), "word_ngrams", None, None)


def held_out_probabilities():
    from sklearn.preprocessing import LabelEncoder

    from sciatica_rasa import nlu_eval

    messages = nlu_eval.labelled(nlu_eval.read_nlu_file(ROOT / "data" / "nlu"))
    labels = np.array([m.get("intent") for m in messages])
    texts = [m.get("text") for m in messages]
    fixed = fixed_features(texts)
    index = {id(m): i for i, m in enumerate(messages)}
    for train, test in nlu_eval.folds(messages, 3):
        rows, held = [index[id(m)] for m in train], [index[id(m)] for m in test]
        vectors = np.hstack([fixed, word_ngrams().fit([texts[i] for i in rows]).vectors(texts)])
        codes = LabelEncoder().fit(labels[rows])
        y = codes.transform(labels[rows])
        # The grid search and calibration the classifier runs in training.
        search = classifier()._create_classifier(1, y).set_params(verbose=0).fit(vectors[rows], y)
        for truth, probabilities in zip(labels[held], search.predict_proba(vectors[held])):
            yield truth, codes.classes_, probabilities


def main() -> int:
    scored = [row for row in held_out_probabilities() if row[0] != "out_of_scope"]
    print("| threshold | ambiguity | in-scope fallback | accuracy of the answered |")
    print("| ---: | ---: | ---: | ---: |")
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITY:
            fallen = right = 0
            for truth, classes, probabilities in scored:
                first, second = np.argsort(probabilities)[::-1][:2]
                if probabilities[first] < threshold or probabilities[first] - probabilities[second] < ambiguity:
                    fallen += 1
                else:
                    right += classes[first] == truth
            answered = len(scored) - fallen
            print(f"| {threshold} | {ambiguity} | {fallen}/{len(scored)} ({fallen / len(scored):.1%}) | "
                  f"{right / answered:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
