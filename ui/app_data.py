"""Streamlit caches of the applications' results (anomaly scores, label-budget curves, rates).

The core caches each on disk per model file hash; these wrappers keep them in memory for the session's reruns.
Settings are named constants here so a test can use smaller ones (`monkeypatch.setattr`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core.compress import CompressConfig
from vae_core.represent import RepresentConfig

from . import resources as R

REPRESENT_CONFIG = RepresentConfig()
COMPRESS_CONFIG = CompressConfig()
SEED = 0


@st.cache_resource(show_spinner="Loading Fashion-MNIST…")
def fashion():
    """Fashion-MNIST from the cache (scripts/setup.sh fetches it); raises DataNotFoundError, whose message says how to
    fetch it, when it is not there: the page never waits on npm (offline, it could retry for minutes every rerun)."""
    from vae_core.fashion import load_fashion

    return load_fashion(allow_download=False)


@st.cache_data(show_spinner=False, max_entries=64)
def anomaly_scores(name: str, file_hash: str, set_name: str, n: int, k: int) -> dict[str, np.ndarray]:
    """{score: (n,)} of one set (mnist, fashion or noise); disk-cached by vae_core.anomaly."""
    from vae_core import anomaly

    images = anomaly.set_images(set_name, n, R.mnist().x_test, fashion() if set_name == "fashion" else None, SEED)
    return anomaly.score_set(R.loaded(R.ModelRef(name, file_hash)), set_name, images, k, SEED)


def anomaly_on_disk(ref: R.ModelRef, set_name: str, n: int, k: int) -> bool:
    from vae_core import anomaly

    return anomaly.is_cached(R.loaded(ref), set_name, n, k, SEED)


def score_upload(ref: R.ModelRef, image: np.ndarray, k: int) -> dict[str, float]:
    """Each score of one 28x28 image, with the same k and seed as the sets."""
    from vae_core.anomaly import score_images

    return {name: float(v[0]) for name, v in score_images(R.loaded(ref), image[None], k, SEED).items()}


def _represent_config(test_digits: int) -> RepresentConfig:
    from dataclasses import replace

    return replace(REPRESENT_CONFIG, test_digits=test_digits)


@st.cache_data(show_spinner=False, max_entries=16)
def _represent(name: str, file_hash: str, test_digits: int, baselines: bool, config_key: str) -> dict:
    from vae_core.represent import report

    return report(R.loaded(R.ModelRef(name, file_hash)), R.mnist_on_demand(), _represent_config(test_digits),
                  baselines=baselines)


def represent_report(ref: R.ModelRef, test_digits: int, baselines: bool) -> dict:
    """Label-budget curves of one model (with the pixel and PCA baselines); disk-cached by vae_core.represent."""
    return _represent(ref.name, ref.file_hash, test_digits, baselines, repr(REPRESENT_CONFIG))


def represent_baselines_on_disk(ref: R.ModelRef, test_digits: int) -> bool:
    from vae_core.represent import baselines_cached

    return baselines_cached(R.mnist_on_demand(), R.loaded(ref).config.latent_dim, _represent_config(test_digits))


@st.cache_data(show_spinner=False, max_entries=32)
def _compress(name: str, file_hash: str, config_key: str) -> dict:
    from vae_core.compress import report

    return report(R.loaded(R.ModelRef(name, file_hash)), R.mnist_on_demand(), COMPRESS_CONFIG)


def compress_report(ref: R.ModelRef) -> dict:
    """Rate and errors of one model beside PCA and PNG; disk-cached by vae_core.compress."""
    return _compress(ref.name, ref.file_hash, repr(COMPRESS_CONFIG))
