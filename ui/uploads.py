"""An uploaded or drawn digit, preprocessed once per file: cached by the hash of its bytes, not decoded on reruns."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from vae_core.errors import BadImageError
from vae_core.preprocess import MAX_BYTES, load_digit


def preprocessed(raw: bytes, name: str) -> tuple[np.ndarray | None, str | None]:
    """(the 28x28 digit, None) or (None, one clear message) for an image file's bytes; the format is read from
    the content, whatever the file name says."""
    if not raw or len(raw) > MAX_BYTES:  # refused by its size before any hashing, caching or decoding
        return _load(raw, name)
    return _preprocessed(hashlib.sha256(raw).hexdigest(), name, raw)


@st.cache_data(max_entries=32, show_spinner=False)
def _preprocessed(digest: str, name: str, _raw: bytes) -> tuple[np.ndarray | None, str | None]:
    # keyed by the digest: the bytes themselves are not hashed again by Streamlit on every rerun
    return _load(_raw, name)


def _load(raw: bytes, name: str) -> tuple[np.ndarray | None, str | None]:
    try:
        return load_digit(raw, name=name), None
    except BadImageError as exc:
        return None, str(exc)
