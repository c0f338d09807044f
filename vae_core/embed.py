"""Latent means of the test digits and their projections, cached on disk next to the model (vae_core.result_cache).

Cache files live in `models/<name>/cache/`, named by the first 16 hex digits of the model file's SHA-256, so
retraining a model invalidates them; the CLI, tests and the app share them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import projections, result_cache
from .config import ProjectionConfig, to_dict

if TYPE_CHECKING:  # keras is imported only by whoever loads the model
    from .artifacts import LoadedModel


def _stats_valid(stats: np.ndarray) -> bool:
    # z_mean finite; z_log_var finite or -inf (an autoencoder's point-mass code), never NaN or +inf
    return bool(np.isfinite(stats[:, 0]).all() and (stats[:, 1] < np.inf).all())


def latent_cache_file(loaded: LoadedModel, split: str, n: int) -> Path:
    """The disk-cache file `latent_stats` reads and writes for `n` images of `split`."""
    return result_cache.model_file(loaded, "latent", {"split": split, "n": n}, ".npy")


def latent_stats(loaded: LoadedModel, x: np.ndarray, split: str = "test") -> np.ndarray:
    """(N, 2, latent_dim): z_mean and z_log_var of images x, cached per model file and split."""

    def compute() -> np.ndarray:
        z_mean, z_log_var = loaded.fast.encode(x)
        return np.stack([z_mean, z_log_var], axis=1)

    return result_cache.cached_array(latent_cache_file(loaded, split, len(x)), compute,
                                     (len(x), 2, loaded.config.latent_dim), check=_stats_valid)


def projection(loaded: LoadedModel, z_mean: np.ndarray, method: str, n: int,
               config: ProjectionConfig = ProjectionConfig()) -> tuple[np.ndarray, np.ndarray]:
    """(indices (n,), coordinates (n, 2)) of a seeded subset of z_mean projected with `method`; disk-cached."""
    indices = projections.subset_indices(len(z_mean), n, config.seed)
    coordinates = result_cache.cached_array(
        projection_cache_file(loaded, len(z_mean), method, n, config),
        lambda: projections.project(z_mean[indices], method, config), (len(indices), 2))
    return indices, coordinates


def projection_cache_file(loaded: LoadedModel, total: int, method: str, n: int,
                          config: ProjectionConfig = ProjectionConfig()) -> Path:
    """The disk-cache file `projection` reads and writes for these arguments (`total` = len(z_mean))."""
    key = {"method": method, "n": min(n, total), "total": total, **to_dict(config)}
    return result_cache.model_file(loaded, f"proj-{method}", key, ".npy")


def is_cached(loaded: LoadedModel, total: int, method: str, n: int,
              config: ProjectionConfig = ProjectionConfig()) -> bool:
    """Whether `projection` would come from the disk cache."""
    return result_cache.is_cached(projection_cache_file(loaded, total, method, n, config))
