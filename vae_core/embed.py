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
from .files import write_bytes_atomic


def _cache_path(loaded: LoadedModel, kind: str, key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return loaded.folder / store.CACHE_DIR / f"{kind}-{loaded.file_hash[:16]}-{digest}.npy"


def _load(path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    """The cached float32 array of `shape` at `path`, or None: missing, empty, truncated, garbage or another shape
    all mean "recompute" (the caller then overwrites the file)."""
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - numpy raises EOFError, ValueError, OSError, ... for a damaged file
        path.unlink(missing_ok=True)
        return None
    if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype != np.float32:
        return None
    return array


def _save(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    try:
        write_bytes_atomic(path, buffer.getvalue())
    except OSError:
        pass  # a read-only model folder still works, just without a disk cache


def latent_stats(loaded: LoadedModel, x: np.ndarray, split: str = "test") -> np.ndarray:
    """(N, 2, latent_dim): z_mean and z_log_var of images x, cached per model file and split."""
    path = _cache_path(loaded, "latent", {"split": split, "n": len(x)})
    cached = _load(path, (len(x), 2, loaded.config.latent_dim))
    if cached is not None and np.isfinite(cached[:, 0]).all():
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
    cached = _load(path, (len(indices), 2))
    if cached is not None and np.isfinite(cached).all():
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
