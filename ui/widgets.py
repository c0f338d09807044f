"""Small shared widgets: page intros and digit images."""

from __future__ import annotations

import base64

import numpy as np
import streamlit as st

from vae_core.images import png_bytes, tile


def intro(text: str) -> None:
    """Two or three sentences that tell a newcomer what the page shows and what to try."""
    st.markdown(text)


INLINE_PNG_BYTES = 32 * 1024  # PNGs up to this size travel inside the page's own message


def show_png(data: bytes, caption: str | None = None, width: int | str = "content") -> None:
    """st.image of PNG bytes. A small one travels inside the page's own message as a data URL: the browser needs no
    second request for it (which would queue behind other sessions' reruns) and a quick later rerun cannot drop
    the file before the browser has fetched it. Larger ones (a 30x30 grid) stay Streamlit media files."""
    image = f"data:image/png;base64,{base64.b64encode(data).decode()}" if len(data) <= INLINE_PNG_BYTES else data
    st.image(image, caption=caption, width=width, output_format="PNG")  # PNG: JPEG would smear the pixels


def digit(image: np.ndarray, caption: str | None = None, width: int = 168) -> None:
    """One 28x28 digit, enlarged without blurring."""
    show_png(png_bytes(image, scale=max(1, width // 28)), caption=caption, width=width)


@st.cache_data(show_spinner=False, max_entries=128)
def _tiled_png(images: np.ndarray, columns: int, scale: int) -> bytes:
    # PNG encoding is a large share of a page switch's server time: the same images (a page's rerun, the nearest
    # digits of a point clicked before) are encoded once
    return png_bytes(tile(images, columns=columns), scale=scale)


def gallery(images: np.ndarray, columns: int = 10, caption: str | None = None, scale: int = 3) -> bytes:
    """Show digits (N, 28, 28) as one tiled image; returns the PNG bytes (for a download button)."""
    data = _tiled_png(np.asarray(images), columns, scale)
    show_png(data, caption=caption)
    return data
