"""Drawing a digit in the browser with streamlit-drawable-canvas (a maintained Fabric.js component)."""

from __future__ import annotations

import streamlit as st


def draw_digit(key: str = "digit_canvas") -> bytes | None:
    """A black canvas with a white brush; returns the drawing as PNG bytes once something is drawn."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception as exc:  # the component registers itself at import; say so instead of breaking the page
        st.info(f"Drawing is unavailable here ({type(exc).__name__}); upload an image instead.")
        return None
    st.caption("Draw one digit with the mouse or a finger; it is processed like an upload.")
    result = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=280,
                       width=280, drawing_mode="freedraw", return_image_data=True, key=key)
    if result is None or not (result.json_data or {}).get("objects"):
        return None
    return result.image_bytes
