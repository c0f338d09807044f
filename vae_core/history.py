"""Training-history arithmetic for the loss-curve view: smoothing, learning-rate drops, best epoch."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d


def smooth(values, window: int = 7) -> np.ndarray:
    """Centred moving average; the series is reflected at both ends so the result keeps its length (SPEC §4.1)."""
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


def best_epoch(val_loss) -> int | None:
    """1-based epoch of the lowest validation loss (None for an empty history)."""
    val = np.asarray(val_loss, np.float64)
    return int(np.nanargmin(val)) + 1 if len(val) and not np.all(np.isnan(val)) else None
