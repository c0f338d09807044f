"""Shared fixtures: a tiny model trained on a slice of real MNIST in a temporary model store.

The browser tests (headless Chromium end to end) are opt-in: `--browser`; ./run-tests.sh passes it.
Tests that need MNIST skip when it is not cached, unless VAE_REQUIRE_DATA=1 (CI sets it), then they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
PROJECT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", help="run end-to-end tests in headless Chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords and not config.getoption("--browser"):
            item.add_marker(pytest.mark.skip(reason="needs --browser (and /usr/bin/chromium)"))


@pytest.fixture(scope="session")
def mnist():
    from vae_core.data import load_mnist
    from vae_core.errors import DataNotFoundError

    try:
        return load_mnist(allow_download=False)
    except DataNotFoundError as exc:
        if os.environ.get("VAE_REQUIRE_DATA") == "1":
            raise
        pytest.skip(f"MNIST not cached: {exc}")


@pytest.fixture(scope="session")
def fashion():
    """Fashion-MNIST from the cache (`python -m vae_core data --fashion`); skips, or fails when VAE_REQUIRE_DATA=1."""
    from vae_core.errors import DataNotFoundError
    from vae_core.fashion import load_fashion

    try:
        return load_fashion(allow_download=False)
    except DataNotFoundError as exc:
        if os.environ.get("VAE_REQUIRE_DATA") == "1":
            raise
        pytest.skip(f"Fashion-MNIST not cached: {exc}")


@pytest.fixture(scope="session")
def store_root(tmp_path_factory, mnist) -> Path:
    """A model store holding `tiny` (latent_dim 2), `tiny3` (latent_dim 3, trained with --precision
    mixed_bfloat16) and `tinyae` (a plain autoencoder, latent_dim 2), each trained for 2 epochs on 512 digits."""
    import dataclasses

    from vae_core.config import ModelConfig, TrainConfig
    from vae_core.train import train_and_save

    root = tmp_path_factory.mktemp("models")
    recipe = TrainConfig(epochs=2, train_limit=512, test_limit=256)
    train_and_save("tiny", ModelConfig(seed=1), recipe, mnist.x_train, mnist.x_test, root=root,
                   show_progress=False)
    train_and_save("tiny3", ModelConfig(latent_dim=3, seed=2), dataclasses.replace(recipe, precision="mixed_bfloat16"),
                   mnist.x_train, mnist.x_test, root=root, show_progress=False)
    train_and_save("tinyae", ModelConfig(seed=3, kind="ae"), recipe, mnist.x_train, mnist.x_test, root=root,
                   show_progress=False)
    return root


@pytest.fixture()
def models_env(store_root, monkeypatch) -> Path:
    """Point the store (and so the app and CLI) at the tiny models."""
    monkeypatch.setenv("VAE_MODELS_DIR", str(store_root))
    return store_root


@pytest.fixture(scope="session")
def tiny(store_root):
    from vae_core.artifacts import load_model

    return load_model("tiny", store_root)


@pytest.fixture()
def rng():
    return np.random.default_rng(0)
