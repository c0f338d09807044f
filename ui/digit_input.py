"""One widget for a user's digit: upload a file or draw it; returns the preprocessed 28x28 image.

Every page that takes a digit (Reconstructions, Anomalies, Compare models, Interpolation) calls `digit_input`: the
same tabs, the same size limit (the browser refuses a larger file before sending it), the same cached
preprocessing (ui/uploads) and the same one-line message for a file that is not a digit.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core.preprocess import MAX_BYTES

from .canvas import draw_digit
from .uploads import preprocessed

MAX_MIB = MAX_BYTES // 2**20


def digit_input(key: str) -> np.ndarray | None:
    """Upload or draw tabs; the digit as (28, 28) float32 in [0, 1], or None (a bad file shows one message).

    Args:
        key: the page's prefix for the widgets' keys: `<key>_tabs`, `<key>_upload` (the file) and `<key>_canvas`
            (the drawing).
    """
    upload_tab, draw_tab = st.tabs(["Upload", "Draw"], key=f"{key}_tabs")  # keyed: a rerun keeps the tab shown
    raw, source = None, None
    with upload_tab:
        # no `type=`: the format is read from the content, and Streamlit raises on a name outside such a list
        file = st.file_uploader(f"Digit image (PNG, JPEG, GIF, BMP, WebP or TIFF, up to {MAX_MIB} MiB)",
                                key=f"{key}_upload", max_upload_size=MAX_MIB,
                                help="dark on light or light on dark; it is cropped, scaled and centred the way "
                                     "MNIST was made")
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
