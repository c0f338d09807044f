"""Session state of the interpolation page: the two endpoints' widgets, a link's endpoints and clicks on the plane.

A link carries the endpoints as `a` and `b` (ui/links): "17" is test digit #17, "0.5,-1.2" a point on the plane;
an uploaded or drawn digit cannot travel in a URL, so that endpoint leaves the link (and opens as the default).
"""

from __future__ import annotations

import math

import streamlit as st

from . import links

ENDPOINTS = ("A", "B")
PLANE_KEY = "interp_plane"  # the plane chart's selection event
CLICK_TARGET = "interp_click_target"  # which endpoint a click sets
_LAST_CLICK = "interp_last_click"
_DEFAULT_INDEX = {"A": 0, "B": 1}  # test digits #0 (a 7) and #1 (a 2)
SOURCES = ("Test digit", "Point on the plane", "Your digit")


def endpoint_key(side: str, field: str) -> str:
    return f"interp_{side}_{field}"


def _link_name(side: str) -> str:
    return side.lower()


def prepare_endpoints(count: int) -> None:
    """Before the widgets exist: give every endpoint widget its default, apply the endpoints a link newly carries
    and a new click on the plane (the chart's selection from the previous run), then put the endpoints in the URL.

    Args:
        count: the number of test digits; a link's digit index outside them is refused in one line.
    """
    state = st.session_state
    for side in ENDPOINTS:
        state.setdefault(endpoint_key(side, "source"), SOURCES[0])
        state.setdefault(endpoint_key(side, "index"), _DEFAULT_INDEX[side])
        state.setdefault(endpoint_key(side, "x"), 0.0)
        state.setdefault(endpoint_key(side, "y"), 0.0)
        _apply_link(side, count)
    state.setdefault(CLICK_TARGET, "A")
    _apply_click()
    links.share(**{_link_name(side): _link_value(side) for side in ENDPOINTS})


def _apply_link(side: str, count: int) -> None:
    asked = links.take(_link_name(side))
    if asked is None:
        return
    what, value = asked
    if what == "digit" and value >= count:
        links.reject(_link_name(side), f"there is no test digit #{value}; they are numbered 0 to {count - 1}")
    elif what == "digit":
        st.session_state[endpoint_key(side, "source")] = SOURCES[0]
        st.session_state[endpoint_key(side, "index")] = value
    else:  # a point, already within the number inputs' ±10
        st.session_state[endpoint_key(side, "source")] = SOURCES[1]
        st.session_state[endpoint_key(side, "x")], st.session_state[endpoint_key(side, "y")] = value


def _link_value(side: str) -> str | None:
    """The endpoint as the URL carries it, or None for a digit of the visitor's own."""
    state = st.session_state
    source = state[endpoint_key(side, "source")]
    if source == SOURCES[0]:
        return str(int(state[endpoint_key(side, "index")]))
    if source == SOURCES[1]:
        return f"{links.number(state[endpoint_key(side, 'x')])},{links.number(state[endpoint_key(side, 'y')])}"
    return None


def _apply_click() -> None:
    event = st.session_state.get(PLANE_KEY)
    selection = event.get("selection") if isinstance(event, dict) else None
    points = selection.get("points") if isinstance(selection, dict) else None
    first = points[0] if isinstance(points, list) and points else None
    xy = (first.get("x"), first.get("y")) if isinstance(first, dict) else ()
    if len(xy) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                               for v in xy):
        return  # no click, or a forged selection: nothing to take
    click = (round(float(xy[0]), 4), round(float(xy[1]), 4))
    if click == st.session_state.get(_LAST_CLICK):
        return  # the same selection seen again on a later rerun
    st.session_state[_LAST_CLICK] = click
    side = st.session_state[CLICK_TARGET]
    st.session_state[endpoint_key(side, "source")] = SOURCES[1]
    st.session_state[endpoint_key(side, "x")] = max(-10.0, min(10.0, click[0]))
    st.session_state[endpoint_key(side, "y")] = max(-10.0, min(10.0, click[1]))
