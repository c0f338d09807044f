"""On-disk caches of computed results: arrays (.npz) and small JSON records.

Per-model results live in `models/<name>/cache/`, named by the first 16 hex digits of the model file's SHA-256
(as vae_core.embed names its files), so retraining invalidates them. Results that do not depend on a model (the
raw-pixel and PCA baselines) live in `<MNIST cache>/results/`. Arrays are read back with `allow_pickle=False`;
a damaged file is recomputed and overwritten; a read-only folder just means no cache.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import store
from .artifacts import LoadedModel
from .data import cache_dir
from .files import write_bytes_atomic


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


def model_file(loaded: LoadedModel, kind: str, key: dict, suffix: str) -> Path:
    """The cache file of result `kind` with parameters `key` for this model file."""
    return loaded.folder / store.CACHE_DIR / f"{kind}-{loaded.file_hash[:16]}-{_digest(key)}{suffix}"


def data_file(kind: str, key: dict, suffix: str) -> Path:
    """The cache file of a model-independent result (beside the MNIST cache)."""
    return cache_dir() / "results" / f"{kind}-{_digest(key)}{suffix}"


def _write(path: Path, data: bytes) -> None:
    try:
        write_bytes_atomic(path, data)
    except OSError:
        pass  # read-only: works, just without a disk cache


def cached_arrays(path: Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays saved at `path`, or `compute()`'s, saved there first."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            return {name: saved[name] for name in saved.files}
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - numpy raises EOFError, ValueError, BadZipFile, ... for a damaged file
        path.unlink(missing_ok=True)
    arrays = compute()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _write(path, buffer.getvalue())
    return arrays


def cached_json(path: Path, compute: Callable[[], dict]) -> dict:
    """The JSON record saved at `path`, or `compute()`'s, saved there first."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    value = compute()
    _write(path, (json.dumps(value, indent=1) + "\n").encode())
    return value


def is_cached(path: Path) -> bool:
    return path.is_file()
