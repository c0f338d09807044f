"""Session state of the interpolation page: the two endpoints' widgets and clicks on the plane."""

from __future__ import annotations

import streamlit as st

from vae_core.family import PlaneBasis

ENDPOINTS = ("A", "B")
PLANE_KEY = "interp_plane"  # the plane chart's selection event
CLICK_TARGET = "interp_click_target"  # which endpoint a click sets
_LAST_CLICK = "interp_last_click"
_DEFAULT_INDEX = {"A": 0, "B": 1}  # test digits #0 (a 7) and #1 (a 2)


def endpoint_key(side: str, field: str) -> str:
    return f"interp_{side}_{field}"


def apply_plane_click(basis: PlaneBasis) -> None:
    """Give every endpoint widget its default, then turn a new click on the plane (the chart's selection from the
    previous run) into that endpoint's "Point on the plane" coordinates. Runs before the widgets are created."""
    for side in ENDPOINTS:
        st.session_state.setdefault(endpoint_key(side, "source"), "Test digit")
        st.session_state.setdefault(endpoint_key(side, "index"), _DEFAULT_INDEX[side])
        st.session_state.setdefault(endpoint_key(side, "x"), 0.0)
        st.session_state.setdefault(endpoint_key(side, "y"), 0.0)
    st.session_state.setdefault(CLICK_TARGET, "A")
    event = st.session_state.get(PLANE_KEY) or {}
    points = (event.get("selection") or {}).get("points") or []
    if not points:
        return
    click = (round(float(points[0]["x"]), 4), round(float(points[0]["y"]), 4))
    if click == st.session_state.get(_LAST_CLICK):
        return  # the same selection seen again on a later rerun
    st.session_state[_LAST_CLICK] = click
    side = st.session_state[CLICK_TARGET]
    st.session_state[endpoint_key(side, "source")] = "Point on the plane"
    st.session_state[endpoint_key(side, "x")] = max(-10.0, min(10.0, click[0]))
    st.session_state[endpoint_key(side, "y")] = max(-10.0, min(10.0, click[1]))
