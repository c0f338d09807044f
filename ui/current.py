"""The model the sidebar picked, for pages."""

from __future__ import annotations

import streamlit as st

from vae_core.errors import UserError

from .messages import public
from .resources import ModelRef, loaded


def current_model() -> ModelRef:
    """The selected, loadable model; otherwise shows one clear message and stops the page."""
    ref = st.session_state.get("model_ref")
    if ref is None:
        st.warning("Pick a working model in the sidebar.")
        st.stop()
    try:
        loaded(ref)
    except UserError as exc:
        st.error(public(exc))
        st.stop()
    return ref


def latent_dim(ref: ModelRef) -> int:
    return loaded(ref).config.latent_dim
