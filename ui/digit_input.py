"""One widget for a user's digit: upload a file or draw it; returns the preprocessed 28x28 image."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core.preprocess import MAX_BYTES

from .canvas import draw_digit
from .uploads import preprocessed


def digit_input(key: str) -> np.ndarray | None:
    """Upload or draw tabs; the digit as (28, 28) float32 in [0, 1], or None (a bad file shows one message)."""
    upload_tab, draw_tab = st.tabs(["Upload", "Draw"])
    raw, source = None, None
    with upload_tab:
        file = st.file_uploader(f"Digit image (PNG, JPEG, GIF, BMP or WebP, up to {MAX_BYTES // 2**20} MiB)",
                                type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key=f"{key}_upload")
        if file is not None:
            raw, source = file.getvalue(), file.name
    with draw_tab:
        drawn = draw_digit(key=f"{key}_canvas")
        if drawn is not None and raw is None:
            raw, source = drawn, "your drawing"
    if raw is None:
        return None
    image, problem = preprocessed(raw, source)
    if problem:
        st.error(problem)
    return image
