"""Latent explorer: click anywhere on the latent plane and see what the decoder makes there."""

import numpy as np
import streamlit as st

from ui import resources as R
from ui.charts import DIGIT_TRACE_PREFIX, GRID_TRACE, explorer_plane
from ui.current import current_model, latent_dim
from ui.widgets import digit, gallery, intro

st.title("Latent explorer")
intro(
    "Every dot is a test digit placed at its latent mean **μ**, coloured by its label. **Click anywhere** — on a "
    "dot or on empty space — and the decoder draws the digit it associates with that point; the sliders move "
    "**z** from the keyboard. Walk from one cluster to another and watch one digit morph into the next: that "
    "smoothness is what the KL term buys.")

ref = current_model()
dim = latent_dim(ref)
means = R.z_mean(ref)
images, labels = R.test_set()
indices = np.arange(len(labels))

# For latent_dim > 2 the user picks two dimensions; the others stay at 0 or at a chosen digit's mean.
dims = (0, 1) if dim >= 2 else (0, 0)
base = np.zeros(dim, np.float32)
if dim > 2:
    c1, c2, c3 = st.columns(3)
    d1 = c1.selectbox("Horizontal dimension", range(dim), index=0, format_func=lambda i: f"z{i + 1}")
    d2 = c2.selectbox("Vertical dimension", range(dim), index=1, format_func=lambda i: f"z{i + 1}")
    if d1 == d2:
        st.warning("Pick two different dimensions.")
        st.stop()
    dims = (d1, d2)
    anchor = c3.number_input("Other dimensions at test digit # (−1 = all zero)", -1, len(labels) - 1, -1)
    if anchor >= 0:
        base = means[anchor].copy()
        digit(images[anchor], f"anchor: test #{anchor}, label {labels[anchor]}", width=84)


# the plane covers [-SPAN, SPAN] on both axes: at least the prior's ±4, more when the codes spread further
SPAN = max(4.0, float(np.ceil(np.abs(means[:, list(dims)]).max())))


def _z(x: float, y: float) -> np.ndarray:
    z = base.copy()
    z[dims[0]] = x
    if dim >= 2:
        z[dims[1]] = y
    return z


for key in ("z_x", "z_y"):  # kept inside this model's range (it may have changed with the model)
    st.session_state[key] = float(np.clip(st.session_state.get(key, 0.0), -SPAN, SPAN))


DOTS = (1_000, 2_000, 5_000, 10_000)


def plane_digit(point: dict, shown: np.ndarray) -> int | None:
    """The test index of a clicked digit dot, or None for the click grid (trace 0; digit d is trace d + 1)."""
    curve = point.get("curve_number")
    if curve is None or not 1 <= curve <= 10:
        return None
    return int(shown[labels[shown] == curve - 1][point["point_index"]])


def take_click(key: str, xy: np.ndarray, shown: np.ndarray) -> tuple[int, int] | None:
    """Move z to the point the last click selected, before the plot is drawn.

    The chart's selection is in session state when the fragment reruns for it, so reading it here (rather than
    from `st.plotly_chart`'s return value after drawing) lets one rerun update the image; reading it afterwards
    needed a second rerun per click. Returns the clicked (trace, point index), or None when nothing new was clicked.
    """
    event = st.session_state.get(key) or {}
    points = (event.get("selection") or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    signature = (key, point.get("x"), point.get("y"), point.get("curve_number"), point.get("point_index"))
    if signature == st.session_state.get("last_click"):
        return None
    st.session_state["last_click"] = signature
    clicked = plane_digit(point, shown)
    x, y = (xy[clicked] if clicked is not None else (point["x"], point["y"]))
    st.session_state["z_x"] = float(np.clip(x, -SPAN, SPAN))
    st.session_state["z_y"] = float(np.clip(y, -SPAN, SPAN)) if dim >= 2 else 0.0
    st.session_state["clicked_digit"] = clicked
    st.session_state["click_z"] = (st.session_state["z_x"], st.session_state["z_y"])
    return int(point.get("curve_number") or 0), int(point["point_index"])


@st.fragment
def plane() -> None:
    """The plot and the decoded image: a click reruns only this fragment."""
    xy = means[:, list(dims)] if dim >= 2 else np.stack([means[:, 0], np.zeros(len(means))], axis=1)
    # the dots drawn: the first n test digits (every class is there); fewer dots redraw faster in the browser
    options = sorted({min(d, len(labels)) for d in DOTS})
    n_shown = st.session_state.get("dots") or min(DOTS[1], len(labels))  # None when the user deselects
    shown = indices[:n_shown]
    # After a click Plotly itself highlights the clicked point (its selection), so the figure is left exactly as it
    # was: Streamlit then sends no new figure and the browser redraws none of the WebGL points, which was most of a
    # click's latency (bench/RESULTS.md). The figure changes only between two modes: "slider" (the sliders moved
    # z: a "current z" marker, on a fresh chart so no old highlight lingers) and "click" (no marker; when a click
    # ends slider mode, that click's highlight is drawn into the figure, since the figure changes then anyway).
    state = st.session_state
    if "plane_mode" not in state:
        state.update(plane_mode="click", plane_selection=None, plane_generation=0,
                     click_z=(state["z_x"], state["z_y"]))
    def chart_key() -> str:  # a new key = a fresh chart (no selection); it changes with n and on slider moves
        return f"plane-{n_shown}-{state['plane_generation']}"

    clicked = take_click(chart_key(), xy, shown)
    current = (state["z_x"], state["z_y"])
    if clicked is not None:
        if state["plane_mode"] == "slider":
            state.update(plane_mode="click", plane_selection=(n_shown, *clicked))
    elif state["plane_mode"] == "click" and current != state["click_z"]:  # the sliders moved z
        state.update(plane_mode="slider", plane_selection=None, clicked_digit=None,
                     plane_generation=state["plane_generation"] + 1)
    selection = state["plane_selection"]
    selection = selection[1:] if selection and selection[0] == n_shown else None  # point indices depend on n
    left, right = st.columns([3, 2], gap="large")
    names = (f"z{dims[0] + 1}", f"z{dims[1] + 1}" if dim >= 2 else "(unused)")
    # the image column is written first: its small messages reach the browser, and the decoded digit is shown,
    # before the browser starts redrawing the plot (measured: that redraw is most of a click's latency)
    with right:
        st.slider(f"{names[0]}", -SPAN, SPAN, key="z_x", step=0.01)
        st.slider(f"{names[1]}", -SPAN, SPAN, key="z_y", step=0.01, disabled=dim < 2)
        z = _z(st.session_state["z_x"], st.session_state["z_y"])
        image = R.decode(ref, z[None])[0]
        digit(image, width=280)
        st.markdown(f"**z** = ({', '.join(f'{v:.2f}' for v in z)})", help="the decoded latent point")
        st.session_state["decoded_z"] = z.tolist()
        clicked = st.session_state.get("clicked_digit")
        if clicked is not None:
            st.caption(f"Clicked test digit #{clicked} (label {labels[clicked]}) — its μ is shown decoded.")
        nearest = np.argsort(((means - z) ** 2).sum(axis=1))[:8]
        st.caption("Nearest test digits (by latent mean)")
        gallery(images[nearest], columns=8, scale=2,
                caption=" · ".join(f"#{i}:{labels[i]}" for i in nearest))
    with left:
        figure = explorer_plane(xy[shown], labels[shown], shown, current if state["plane_mode"] == "slider" else None,
                                SPAN, names, selected=selection)
        st.plotly_chart(figure, key=chart_key(), on_select="rerun", selection_mode="points", width="stretch")
        st.segmented_control("Test digits shown", options, key="dots", default=min(DOTS[1], len(labels)),
                             format_func=lambda d: f"{d:,}", help="The first n test digits, drawn at their "
                             "latent means. Fewer dots make each click redraw faster; the nearest digits below "
                             "are always searched among all of them.")


plane()
st.caption(f"{GRID_TRACE!r}: an invisible grid (spacing {2 * SPAN / 80:.2f}) catches clicks on empty space; "
           f"a click on a {DIGIT_TRACE_PREFIX.strip()} dot decodes that digit's μ exactly. The clicked point turns "
           "crimson; a crimson ✕ marks z when the sliders set it.")

st.divider()
st.subheader("The decoded latent grid")
st.markdown("The decoder's output over a regular grid of latent points, as in the reference notebook; Gaussian "
            "spacing puts the points at normal quantiles so each cell covers equal prior probability "
            "(Kingma & Welling, fig. 4).")
if dim < 2:
    st.info("This model has a 1-dimensional latent space: use the slider above to walk along it.")
    st.stop()
g1, g2, g3 = st.columns(3)
n = g1.slider("Grid size", 5, 30, 15)
span = g2.slider("Range ±", 0.5, 6.0, 3.0, 0.5)
gaussian = g3.toggle("Gaussian-quantile spacing", value=False)
tiles = R.grid(ref.name, ref.file_hash, n, span, gaussian, dims, tuple(float(v) for v in base) if dim > 2 else None)
gallery(tiles.reshape(-1, 28, 28), columns=n, scale=2,
        caption=f"{n}×{n} grid: z{dims[0] + 1} left → right, z{dims[1] + 1} bottom → top; one batched decoder call")
