"""The one on-disk cache of computed results: one array (.npy), named arrays (.npz) or a JSON record (.json).

Per-model results live in `models/<name>/cache/`, named by the first 16 hex digits of the model file's SHA-256, so
retraining invalidates them. Results that do not depend on a model (the raw-pixel and PCA baselines) live in
`<MNIST cache>/results/`. Every read is validated (arrays: names, dtype, shape, finiteness; JSON: no NaN or
infinity, and the caller's check of its layout and types); a missing, damaged or invalid file is recomputed and
overwritten atomically, never raised; a read-only folder just means no cache.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import store
from .data import cache_dir
from .files import write_bytes_atomic

if TYPE_CHECKING:  # keras is imported only by whoever loads the model
    from .artifacts import LoadedModel

ArrayCheck = Callable[[np.ndarray], bool]


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


def model_file(loaded: LoadedModel, result: str, key: dict, suffix: str) -> Path:
    """The cache file of result `result` with parameters `key` for this model file."""
    return loaded.folder / store.CACHE_DIR / f"{result}-{loaded.file_hash[:16]}-{_digest(key)}{suffix}"


def data_file(result: str, key: dict, suffix: str) -> Path:
    """The cache file of a model-independent result (beside the MNIST cache)."""
    return cache_dir() / "results" / f"{result}-{_digest(key)}{suffix}"


def is_cached(path: Path) -> bool:
    """Whether a file is there (a damaged one is found out, and recomputed, when it is read)."""
    return path.is_file()


def finite(array: np.ndarray) -> bool:
    """The default check of a cached array: every value finite."""
    return bool(np.isfinite(array).all())


def _cached(path: Path, read: Callable[[Path], Any], valid: Callable[[Any], bool], compute: Callable[[], Any],
            encode: Callable[[Any], bytes | None]) -> Any:
    """`read(path)` when it succeeds and `valid` accepts it; otherwise `compute()`, written atomically first."""
    try:
        value = read(path)
        if valid(value):
            return value
    except Exception:  # noqa: BLE001 - missing, empty, truncated or garbage: numpy and json raise many kinds
        pass
    value = compute()
    data = encode(value)
    if data is not None:
        try:
            write_bytes_atomic(path, data)
        except OSError:
            pass  # a read-only folder still works, just without a disk cache
    return value


def _array_ok(array: Any, shape: tuple[int, ...], dtype: np.dtype, check: ArrayCheck) -> bool:
    return (isinstance(array, np.ndarray) and array.shape == tuple(shape) and array.dtype == dtype
            and bool(check(array)))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def cached_array(path: Path, compute: Callable[[], np.ndarray], shape: tuple[int, ...], dtype=np.float32,
                 check: ArrayCheck = finite) -> np.ndarray:
    """The array saved at `path` (.npy) if it has this shape and dtype and passes `check`; else `compute()`'s,
    cast to `dtype` and saved there first."""
    dtype = np.dtype(dtype)

    def read(p: Path) -> np.ndarray:
        array = np.load(p, allow_pickle=False)
        if not isinstance(array, np.ndarray):  # an .npz under the name
            array.close()
            raise ValueError(f"{p.name} holds no single array")
        return array

    def fresh() -> np.ndarray:
        return np.asarray(compute(), dtype)

    return _cached(path, read, lambda a: _array_ok(a, shape, dtype, check), fresh, _npy)


def cached_arrays(path: Path, compute: Callable[[], Mapping[str, np.ndarray]], shapes: Mapping[str, tuple[int, ...]],
                  dtype=np.float32, check: ArrayCheck = finite) -> dict[str, np.ndarray]:
    """The named arrays saved at `path` (.npz) if exactly `shapes`' names are there, each of its shape and dtype and
    passing `check`; else `compute()`'s, cast to `dtype` and saved there first."""
    dtype = np.dtype(dtype)

    def read(p: Path) -> dict[str, np.ndarray]:
        with np.load(p, allow_pickle=False) as saved:
            return {name: saved[name] for name in saved.files}

    def valid(arrays: dict[str, np.ndarray]) -> bool:
        return (isinstance(arrays, dict) and set(arrays) == set(shapes)
                and all(_array_ok(arrays[name], shape, dtype, check) for name, shape in shapes.items()))

    def fresh() -> dict[str, np.ndarray]:
        return {name: np.asarray(values, dtype) for name, values in compute().items()}

    def encode(arrays: dict[str, np.ndarray]) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    return _cached(path, read, valid, fresh, encode)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _json(value: Any) -> bytes | None:
    try:
        return (json.dumps(value, indent=1, allow_nan=False) + "\n").encode()
    except ValueError:
        return None  # a result with NaN or infinity is returned but not cached: every read would reject it


def cached_json(path: Path, compute: Callable[[], dict], valid: Callable[[Any], bool]) -> dict:
    """The JSON record saved at `path` if `valid` accepts it (NaN and infinity never parse); else `compute()`'s,
    saved there first. `valid` checks the layout and types the caller reads (a `null` file is not a dict)."""

    def read(p: Path) -> Any:
        return json.loads(p.read_text(), parse_constant=_no_constant)

    return _cached(path, read, valid, compute, _json)


def is_number(value: Any, allow_none: bool = False) -> bool:
    """A finite int or float (not a bool); None too with `allow_none`: a helper for callers' `valid` checks."""
    if value is None:
        return allow_none
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
