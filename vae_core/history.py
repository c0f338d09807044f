"""Training-history arithmetic for the loss-curve view: checks, smoothing, learning-rate drops, best epoch."""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import uniform_filter1d

from .config import TrainConfig

REQUIRED = ("loss", "val_loss")


def smooth(values, window: int = 7) -> np.ndarray:
    """Centred moving average; the series is reflected at both ends so the result keeps its length
    (docs/reference.md §4.1)."""
    values = np.asarray(values, np.float64)
    if window <= 1 or len(values) == 0:
        return values
    return uniform_filter1d(values, size=min(window, 2 * len(values) - 1), mode="reflect")


def lr_drop_epochs(learning_rate) -> list[int]:
    """1-based epochs at whose end ReduceLROnPlateau lowered the rate (Keras's own "Epoch N: reducing" count).

    `learning_rate[i]` is the rate in force at the end of epoch i + 1, so a drop shows at the epoch it happened.
    """
    lr = np.asarray(learning_rate, np.float64)
    return [int(i) + 1 for i in np.flatnonzero(lr[1:] < lr[:-1]) + 1]


def best_epoch(val_loss, min_delta: float = TrainConfig.early_stopping_min_delta) -> int | None:
    """1-based epoch whose weights EarlyStopping keeps: the first value, then each value lower than the best so far
    by more than `min_delta` (Keras's rule; the recipe's 1e-4 by default). None when no value is a number.

    config.json's run `best_epoch` is this epoch of the same run; prefer it when present (see `kept_epoch`).
    """
    best, best_value = None, math.inf
    for epoch, value in enumerate(np.asarray(val_loss, np.float64), start=1):
        if not np.isnan(value) and (best is None or value + min_delta < best_value):
            best, best_value = epoch, value
    return best


def kept_epoch(history: dict, run: dict | None, min_delta: float | None = None) -> int | None:
    """The best epoch as one number everywhere: config.json's run `best_epoch` when it fits the history, else
    `best_epoch` of the validation losses (with the run's `min_delta`, the recipe's by default)."""
    saved = run.get("best_epoch") if isinstance(run, dict) else None
    n = len(history.get("val_loss", []))
    if isinstance(saved, int) and not isinstance(saved, bool) and 1 <= saved <= n:
        return saved
    return best_epoch(history.get("val_loss", []), TrainConfig.early_stopping_min_delta if min_delta is None
                      else min_delta)


def check_history(history) -> str | None:
    """One line saying what makes a history unusable (not an object, a missing key, a null or non-number, unequal
    lengths), or None when every series is a list of numbers of the same length."""
    if not isinstance(history, dict):
        return f"holds a JSON {type(history).__name__}, not an object of per-epoch lists"
    for key in REQUIRED:
        if key not in history:
            return f"has no {key!r} series"
    length = len(history["loss"]) if isinstance(history["loss"], list) else None
    for key, values in history.items():
        if not isinstance(values, list):
            return f"{key!r} is a JSON {type(values).__name__}, not a list"
        for epoch, value in enumerate(values, start=1):
            if value is None or isinstance(value, bool) or not isinstance(value, int | float):
                return f"{key!r} has {_json_repr(value)} at epoch {epoch}, not a number"
        if len(values) != length:
            return f"{key!r} has {len(values)} epochs but 'loss' has {length}"
    return None


def _json_repr(value) -> str:
    return "null" if value is None else repr(value)
