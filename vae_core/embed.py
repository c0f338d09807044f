"""Latent means of the test digits and their projections, cached on disk next to the model.

Cache files live in `models/<name>/cache/`, named by the first 16 hex digits of the model file's SHA-256, so
retraining a model invalidates them; the CLI, tests and the app share them. Arrays are stored with
`np.save` and read back with `allow_pickle=False`.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from . import projections, store
from .artifacts import LoadedModel
from .config import ProjectionConfig, to_dict


def _cache_path(loaded: LoadedModel, kind: str, key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return loaded.folder / store.CACHE_DIR / f"{kind}-{loaded.file_hash[:16]}-{digest}.npy"


def _load(path: Path) -> np.ndarray | None:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None  # missing or damaged: recompute and overwrite


def _save(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    try:
        store.write_bytes_atomic(path, buffer.getvalue())
    except OSError:
        pass  # a read-only model folder still works, just without a disk cache


def latent_stats(loaded: LoadedModel, x: np.ndarray, split: str = "test") -> np.ndarray:
    """(N, 2, latent_dim): z_mean and z_log_var of images x, cached per model file and split."""
    path = _cache_path(loaded, "latent", {"split": split, "n": len(x)})
    cached = _load(path)
    if cached is not None and cached.shape == (len(x), 2, loaded.config.latent_dim):
        return cached
    z_mean, z_log_var = loaded.fast.encode(x)
    stats = np.stack([z_mean, z_log_var], axis=1).astype(np.float32)
    _save(path, stats)
    return stats


def projection(loaded: LoadedModel, z_mean: np.ndarray, method: str, n: int,
               config: ProjectionConfig = ProjectionConfig()) -> tuple[np.ndarray, np.ndarray]:
    """(indices (n,), coordinates (n, 2)) of a seeded subset of z_mean projected with `method`; disk-cached."""
    indices = projections.subset_indices(len(z_mean), n, config.seed)
    key = {"method": method, "n": len(indices), "total": len(z_mean), **to_dict(config)}
    path = _cache_path(loaded, f"proj-{method}", key)
    cached = _load(path)
    if cached is not None and cached.shape == (len(indices), 2):
        return indices, cached
    coordinates = projections.project(z_mean[indices], method, config)
    _save(path, coordinates)
    return indices, coordinates


def projection_cache_file(loaded: LoadedModel, total: int, method: str, n: int,
                          config: ProjectionConfig = ProjectionConfig()) -> Path:
    """The disk-cache file `projection` reads and writes for these arguments (`total` = len(z_mean))."""
    key = {"method": method, "n": min(n, total), "total": total, **to_dict(config)}
    return _cache_path(loaded, f"proj-{method}", key)


def is_cached(loaded: LoadedModel, total: int, method: str, n: int,
              config: ProjectionConfig = ProjectionConfig()) -> bool:
    """Whether `projection` would come from the disk cache."""
    return projection_cache_file(loaded, total, method, n, config).is_file()
