"""The one place that caches: models once per process, arrays per model file hash (in memory and on disk)."""

from __future__ import annotations

import ctypes
import gc
import sys
from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import script_runner

from vae_core import store
from vae_core.files import sha256_of

# glibc keeps what TensorFlow and NumPy free in its heaps (one per thread that allocated; Streamlit runs each session
# on its own thread) rather than returning it to the system. malloc_trim returns it: measured in one process, the
# 10,000 test digits' per-image losses raised RSS 682 -> 814 MiB and a trim brought it to 753; a call takes 0.1-2.4
# ms. A one-line call into libc through ctypes: no library wraps it. Looked up among the symbols the process already
# has (no `find_library`, which runs ldconfig at import); absent outside glibc (musl, macOS).
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform.startswith("linux") else None


def release_freed_memory() -> bool:
    """Return the C heap's free memory to the system (glibc's malloc_trim); False where there is none to call."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


def _clean_without_keras() -> None:
    """Streamlit's after-run cleanup without `keras.backend.clear_session()`: matplotlib's figures, and the heap's
    freed memory returned to the system."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    release_freed_memory()


# Streamlit 1.67 calls keras.backend.clear_session() after every run of every page (script_runner.
# _clean_problem_modules), for apps that build a new Keras model on each run. This app builds none in the server
# (models are loaded once and cached here; training runs in a process of its own), and each call resets Keras's
# global state and runs a full garbage collection: ~9 % of the server's CPU under sixteen sessions, measured with
# py-spy (bench/RESULTS.md). tests/views/test_resources.py fails if Streamlit moves the function.
script_runner._clean_problem_modules = _clean_without_keras


@dataclass(frozen=True)
class ModelRef:
    """What pages pass around: a model name and the hash of its file (the cache key)."""

    name: str
    file_hash: str


def model_ref(name: str) -> ModelRef:
    """Resolve a model name to its current file hash (raises UserError subclasses when unusable)."""
    folder = store.require_model(name)
    return ModelRef(name, sha256_of(folder / store.MODEL_FILE))


@st.cache_resource(show_spinner="Loading TensorFlow and the model…", max_entries=8)
def _loaded(name: str, file_hash: str):
    """The model, loaded once per file; the least recently used of more than eight is dropped (3-18 MB each)."""
    from vae_core.quiet import import_keras_quietly

    import_keras_quietly()
    from vae_core.artifacts import load_model

    loaded = load_model(name)
    loaded.fast  # noqa: B018 - build the graph functions once, here, not on the first click
    LOAD_COUNTS[name] = LOAD_COUNTS.get(name, 0) + 1
    # Take what is loaded now (TensorFlow, Keras, the model) out of the garbage collector's full walks: with
    # TensorFlow loaded a generation-2 collection walks ~500,000 objects (~220 ms here, holding the GIL), and
    # building a Plotly figure allocates enough to set one off on almost every click while the browser waits for
    # the decoded image (measured; bench/RESULTS.md). gc.freeze() moves the objects alive now into a permanent
    # generation, so later full collections walk only newer objects (~1 ms). Unfrozen first: a model this cache
    # evicted (least recently used, past eight) is frozen garbage until a collection walks it again.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return loaded


LOAD_COUNTS: dict[str, int] = {}  # how many times each model was loaded in this process (tests read it)


def loaded(ref: ModelRef):
    return _loaded(ref.name, ref.file_hash)


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
    from vae_core.embed import projection as compute

    return compute(_loaded(name, file_hash), latent_stats(name, file_hash)[:, 0], method, n)


def projection_on_disk(ref: ModelRef, method: str, n: int) -> bool:
    from vae_core.embed import is_cached

    return is_cached(loaded(ref), 10000, method, n)


@st.cache_data(show_spinner=False, max_entries=16)
def test_losses(name: str, file_hash: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-image (reconstruction, kl) of the 10,000 test digits, one seeded draw each."""
    from vae_core.evaluate import per_image_losses

    return per_image_losses(_loaded(name, file_hash), mnist().x_test, seed=0)


def decode(ref: ModelRef, z) -> np.ndarray:
    """Decode latent points (N, latent_dim) -> (N, 28, 28): one graph call, ~1 ms for a point."""
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


def samples(ref: ModelRef, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from vae_core.generate import sample_prior

    return sample_prior(loaded(ref).fast, n, seed)


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
