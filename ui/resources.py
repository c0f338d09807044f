"""The one place that caches: models once per process, arrays per model file hash (in memory and on disk).

Models are loaded lean (vae_core.lean: NumPy over the saved weights), so the server never imports TensorFlow;
training and the CLI commands that compute new results run in processes of their own.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np
import streamlit as st

from vae_core import store
from vae_core.files import sha256_of


@dataclass(frozen=True)
class ModelRef:
    """What pages pass around: a model name and the hash of its file (the cache key)."""

    name: str
    file_hash: str


def model_ref(name: str) -> ModelRef:
    """Resolve a model name to its current file hash (raises UserError subclasses when unusable)."""
    folder = store.require_model(name)
    return ModelRef(name, sha256_of(folder / store.MODEL_FILE))


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def _loaded(name: str, file_hash: str):
    """The model for inference, loaded once per file; the least recently used of more than eight is dropped."""
    from vae_core.artifacts import load_model

    # VAE_SERVER_KERAS=1 serves with Keras instead, as the server did before the lean path: bench/'s baseline only
    loaded = load_model(name, lean=os.environ.get("VAE_SERVER_KERAS") != "1")
    LOAD_COUNTS[name] = LOAD_COUNTS.get(name, 0) + 1
    return loaded


LOAD_COUNTS: dict[str, int] = {}  # how many times each model was loaded in this process (tests read it)


def loaded(ref: ModelRef):
    return _loaded(ref.name, ref.file_hash)


def metrics(ref: ModelRef) -> dict:
    """The model's metrics.json as it is on disk now ({} when none measured this model file): `evaluate` and `prior`
    rewrite it without changing the model file, so the loaded model's copy may be older."""
    return store.read_metrics(store.model_dir(ref.name), ref.file_hash)[0] or {}


@st.cache_resource(show_spinner="Loading MNIST…")
def mnist():
    """The MNIST test digits (the training split is left empty: most pages need only the test set, and the
    60,000 training images would hold ~190 MB of the server's memory for good; see `mnist_full`)."""
    from vae_core.data import load_mnist

    return load_mnist(test_only=True)


@st.cache_resource(show_spinner="Loading MNIST's training digits…", ttl=15 * 60)
def mnist_full():
    """Both splits, for the pages that fit on training digits (representations, compression); dropped from
    memory 15 minutes after it was loaded (the results themselves are cached on disk)."""
    from vae_core.data import load_mnist

    return load_mnist()


def mnist_on_demand():
    """Both splits for the representation and compression pages, the training split read (`mnist_full`) only when
    a result is not on disk: a visit that finds them there adds nothing to the server's memory."""
    from vae_core.data import MnistOnDemand

    return MnistOnDemand(mnist(), mnist_full)


def test_set() -> tuple[np.ndarray, np.ndarray]:
    """(images (10000, 28, 28), labels (10000,))."""
    data = mnist()
    return data.x_test[..., 0], data.y_test


@st.cache_data(show_spinner="Encoding the test digits…", max_entries=16)
def latent_stats(name: str, file_hash: str) -> np.ndarray:
    """(10000, 2, latent_dim): test z_mean and z_log_var (disk-cached by vae_core.embed)."""
    from vae_core.embed import latent_stats as compute

    return compute(_loaded(name, file_hash), mnist().x_test, "test")


def z_mean(ref: ModelRef) -> np.ndarray:
    return latent_stats(ref.name, ref.file_hash)[:, 0]


@st.cache_data(show_spinner=False, max_entries=64)
def projection(name: str, file_hash: str, method: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, coordinates (n, 2)) of the test digits' latent means; disk-cached by vae_core.embed."""
    from vae_core.embed import is_cached
    from vae_core.embed import projection as compute

    loaded_model, means = _loaded(name, file_hash), latent_stats(name, file_hash)[:, 0]
    if method == "umap" and not is_cached(loaded_model, len(means), method, n):
        _import_umap_without_tensorflow()  # only to compute: umap and numba stay in memory once imported
    return compute(loaded_model, means, method, n)


def _import_umap_without_tensorflow() -> None:
    """umap's package imports its ParametricUMAP, and with it TensorFlow, whenever TensorFlow is installed; the
    server uses plain UMAP only, so that submodule is marked absent before umap's first import (umap then skips it)."""
    if "umap" not in sys.modules:
        sys.modules.setdefault("umap.parametric_umap", None)
        import umap  # noqa: F401


def projection_on_disk(ref: ModelRef, method: str, n: int) -> bool:
    from vae_core.embed import is_cached

    return is_cached(loaded(ref), 10000, method, n)


@st.cache_data(show_spinner=False, max_entries=16)
def test_losses(name: str, file_hash: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-image (reconstruction, kl) of the 10,000 test digits, one seeded draw each; disk-cached next to the model
    (computing them takes seconds, and the encoder's and decoder's working memory stays with the server)."""
    from vae_core import result_cache
    from vae_core.evaluate import per_image_losses

    loaded_model, x = _loaded(name, file_hash), mnist().x_test
    path = result_cache.model_file(loaded_model, "test-losses", {"split": "test", "n": len(x), "seed": 0}, ".npz")

    def compute() -> dict[str, np.ndarray]:
        reconstruction, kl = per_image_losses(loaded_model, x, seed=0)
        return {"reconstruction": reconstruction, "kl": kl}

    # an autoencoder's KL is +inf (its code is a point mass): only NaN means a damaged file
    saved = result_cache.cached_arrays(path, compute, {"reconstruction": (len(x),), "kl": (len(x),)}, np.float64,
                                       check=lambda a: not np.isnan(a).any())
    return saved["reconstruction"], saved["kl"]


def decode(ref: ModelRef, z) -> np.ndarray:
    """Decode latent points (N, latent_dim) -> (N, 28, 28)."""
    return loaded(ref).fast.decode(np.asarray(z, np.float32))


def encode(ref: ModelRef, images) -> tuple[np.ndarray, np.ndarray]:
    return loaded(ref).fast.encode(np.asarray(images, np.float32))


@st.cache_data(show_spinner=False, max_entries=32)
def grid(name: str, file_hash: str, n: int, span: float, gaussian: bool, dims: tuple[int, int],
         base: tuple[float, ...] | None) -> np.ndarray:
    """(n, n, 28, 28) decoded grid, one batched decoder call."""
    from vae_core.generate import decode_grid

    return decode_grid(_loaded(name, file_hash).fast, n, span, gaussian, dims,
                       None if base is None else np.asarray(base, np.float32))


@st.cache_data(show_spinner=False, max_entries=32)
def _learned_prior(name: str, file_hash: str, latent_dim: int, stamp: int | None):
    from vae_core.prior import load_prior

    return load_prior(store.model_dir(name), file_hash, latent_dim)


def _prior_stamp(ref: ModelRef) -> int | None:
    from vae_core.prior import prior_path

    try:
        return prior_path(store.model_dir(ref.name), ref.file_hash).stat().st_mtime_ns
    except OSError:
        return None


def learned_prior(ref: ModelRef):
    """The learned prior stored for this model file (vae_core.prior.MixturePrior), or None when there is none.

    Keyed by the prior file's modification time too: `python -m vae_core prior` adds or refits it while the model
    file (and so its hash) stays the same."""
    return _learned_prior(ref.name, ref.file_hash, loaded(ref).config.latent_dim, _prior_stamp(ref))


def prior_samples(ref: ModelRef, which: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(z (n, latent_dim), images (n, 28, 28)) of n seeded draws from the "learned" prior or the "standard"
    N(0, I) (the same draws as vae_core.generate.sample_prior); "learned" needs a stored prior (`learned_prior`).
    Cached, so a rerun of a page for another widget decodes nothing again."""
    return _prior_samples(ref.name, ref.file_hash, which, n, seed, _prior_stamp(ref) if which == "learned" else None)


@st.cache_data(show_spinner=False, max_entries=64)
def _prior_samples(name: str, file_hash: str, which: str, n: int, seed: int,
                   stamp: int | None) -> tuple[np.ndarray, np.ndarray]:
    from vae_core.prior import draw

    ref = ModelRef(name, file_hash)
    z = draw(which, learned_prior(ref) if which == "learned" else None, loaded(ref).config.latent_dim, n, seed)
    return z, decode(ref, z)


def describe_digits(ref: ModelRef, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z_mean, reconstruction, negative ELBO) of images, from one encoding."""
    from vae_core.evaluate import describe_digits as compute

    return compute(loaded(ref), np.asarray(images, np.float32))


def reconstruct(ref: ModelRef, images: np.ndarray) -> np.ndarray:
    """Deterministic reconstruction: decode the latent mean."""
    mean, _ = encode(ref, images)
    return decode(ref, mean)


@st.cache_data(show_spinner=False, max_entries=64)
def test_reconstructions(name: str, file_hash: str, indices: tuple[int, ...]) -> np.ndarray:
    """(len(indices), 28, 28) reconstructions of those test digits (the Reconstructions page reruns on every upload
    and click; these stay the same)."""
    return reconstruct(ModelRef(name, file_hash), mnist().x_test[list(indices)])
