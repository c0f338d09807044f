"""The latent plane: a Streamlit custom component (components v2) that decodes under the pointer in the browser.

The browser gets the decoder's weights once per model (vae_core.export, ~0.26 MB for latent_dim 2) and the test
digits' latent means and posterior σ, draws the plane on a canvas and runs the decoder in plain JavaScript
(decoder.js) on every pointer move: hovering sends nothing to the server. The dots are coloured by label or by a
per-digit quantity (vae_core.selection.digit_values), the hovered or pinned digit's posterior is drawn as its
μ ± 2σ ellipse. A click (or an arrow key on the plane) pins z and sends only that z and the clicked digit's index;
a box drawn with shift+drag (or in the plane's select mode) sends only the box; Python then updates what needs the
server (nearest digits, the selected digits, captions). The sliders set z from the keyboard too. Until the
component reports that it started, the server decodes the pinned z itself, so a page whose component cannot start
(a script error, no canvas) still works with the sliders.

All of the explorer's interaction state lives here, behind `latent_plane_ui`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import streamlit as st
from streamlit.components.v2 import component

from ui import links
from ui import resources as R
from ui.charts import PALETTE
from ui.widgets import digit
from vae_core.framing import frame

_HERE = Path(__file__).parent
KEY = "latent_plane"  # the component's state: "ready" (it started in the browser), the triggers "pin" and "select"
JUMP_KEY = "latent_plane_jump"  # the number input that pins a test digit's μ by its index
Z_KEYS = ("z_x", "z_y")  # the sliders: z along the two shown dimensions
STATE_KEY = "latent_plane_state"  # everything else the plane keeps between runs: one PlaneState


@dataclass
class PlaneState:
    """The explorer's state between runs, behind `latent_plane_ui`.

    The server sends the component a pinned point ([x, y, digit]) only when the one the browser shows differs (a
    slider moved, the model or range changed, a fresh page): a click leaves the component's data byte-identical,
    and Streamlit then sends the browser a reference to the message it already holds instead of the decoder and
    points again."""

    pinned: list[float] = field(default_factory=list)  # the pinned z (latent_dim,), for tests and other pages
    digit: int | None = None  # the test digit whose mean was clicked
    kept: tuple[float, float] = (0.0, 0.0)  # the sliders' values, kept while another page runs
    sent: list | None = None  # the point last sent to the component
    sends: int = 0  # how many points were sent, so the browser tells a new send from the one it holds
    shown: list | None = None  # the point the browser shows now (a click changes it there first)
    box: list[float] | None = None  # the selected region [x0, y0, x1, y1] on the shown dimensions, or None
    jump: int | None = None  # a test digit whose μ the next run pins (the number input)


_HTML = """<div class="lp-root" tabindex="0" aria-label="latent plane: move the pointer to decode, click to pin;
arrow keys move the pinned point">
<p class="lp-fallback">The interactive latent plane could not start in this browser; the sliders below decode
on the server.</p>
<div class="lp-main" hidden>
  <div class="lp-plane"><canvas class="lp-dots"></canvas><canvas class="lp-overlay"></canvas></div>
  <div class="lp-side"><canvas class="lp-digit" width="28" height="28"></canvas>
    <div class="lp-z"></div><div class="lp-what"></div>
    <button class="lp-select" type="button" aria-pressed="false"
      title="or hold shift while dragging on the plane">Select a region</button>
    <div class="lp-legend"></div></div>
</div></div>"""
_CSS = """
.lp-root { outline: none; }
.lp-root:focus-visible { outline: 2px solid crimson; outline-offset: 4px; }
.lp-fallback { margin: 0; }
.lp-main { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.lp-main[hidden] { display: none; }
.lp-plane { position: relative; width: 480px; height: 480px; }
.lp-plane canvas { position: absolute; left: 0; top: 0; }
.lp-overlay { cursor: crosshair; touch-action: none; }
.lp-digit { width: 280px; height: 280px; image-rendering: pixelated; display: block; border-radius: 4px; }
.lp-z { font: 600 15px/1.4 sans-serif; margin-top: 8px; }
.lp-what { font: 13px/1.4 sans-serif; opacity: 0.7; }
.lp-select { font: 13px sans-serif; margin-top: 10px; padding: 3px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid rgba(128, 128, 128, 0.5); background: transparent; color: inherit; }
.lp-select[aria-pressed="true"] { border-color: crimson; color: crimson; }
.lp-legend { font: 12px/1.4 sans-serif; margin-top: 12px; max-width: 280px; }
.lp-legend .lp-bar { height: 10px; border-radius: 2px; margin: 2px 0; }
.lp-legend .lp-ends { display: flex; justify-content: space-between; opacity: 0.8; }
.lp-legend .lp-swatch { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; border-radius: 2px; }
"""
_JS = "\n".join(path.read_text() for path in (_HERE.parent / "payload.js", _HERE / "decoder.js", _HERE / "plane.js"))
_plane = component("vae_explorer.latent_plane", html=_HTML, css=_CSS, js=_JS, isolate_styles=False)


class Pinned(NamedTuple):
    """The pinned latent point (latent_dim,), the test digit whose mean it is if one was clicked, and the indices
    of the shown test digits inside the selected region (None without a selection)."""

    z: np.ndarray
    digit: int | None
    selected: np.ndarray | None = None


@st.cache_data(show_spinner=False, max_entries=8)
def _weights(name: str, file_hash: str) -> bytes:
    from vae_core.export import export_decoder

    return export_decoder(R.loaded(R.ModelRef(name, file_hash)))


@st.cache_data(show_spinner="Scoring the test digits (first time only; then cached on disk)…", max_entries=32)
def _digit_values(name: str, file_hash: str, quantity: str) -> np.ndarray:
    from vae_core.selection import digit_values as compute

    return compute(R.loaded(R.ModelRef(name, file_hash)), R.mnist().x_test, quantity)


def digit_values(ref: R.ModelRef, quantity: str) -> np.ndarray:
    """One of vae_core.selection.QUANTITIES for each test digit (10000,), cached per model file."""
    return _digit_values(ref.name, ref.file_hash, quantity)


def colourings(ref: R.ModelRef) -> dict[str, str]:
    """{name: label} of what the dots can be coloured by for this model: the label and its per-digit quantities
    (a plain autoencoder has no KL or σ; the confidence needs the digit classifier)."""
    from vae_core.classifier import classifier_path
    from vae_core.selection import QUANTITIES

    ae = R.loaded(ref).config.kind == "ae"
    names = {"label": "label", **QUANTITIES}
    if ae:
        names["negative_elbo"] = "reconstruction loss (nats)"
        del names["kl"], names["sigma"]
    if not classifier_path().is_file():
        del names["confidence"]
    return names


def payload(weights: bytes, weights_key: str, xy: np.ndarray, labels: np.ndarray, header: dict,
            sigma: np.ndarray | None = None, values: np.ndarray | None = None,
            visible: np.ndarray | None = None) -> bytes:
    """What the component gets, framed by vae_core.framing: [u32 length][JSON header][decoder file]
    [points (N, 2) float32][labels (N,) uint8][zero padding to 4 bytes][σ (N, 2) float32], then, when the header
    says so, [values (N,) float32] ("values": true) and [visible (N,) uint8] ("visible": true).

    Args:
        xy: the test digits' latent means on the two shown dimensions; sigma: their posterior σ there (None: 0,
        an autoencoder's point codes); values: what the dots are coloured by (None: by label); visible: the dots
        the label filter keeps (None: all). The two optional parts travel only when used: a page's first message
        stays as small as it can.
    """
    n = len(labels)
    parts = [np.asarray(xy, "<f4"), np.asarray(labels, np.uint8), b"\0" * (-n % 4),
             np.zeros((n, 2), "<f4") if sigma is None else np.asarray(sigma, "<f4")]
    parts += [] if values is None else [np.asarray(values, "<f4")]
    parts += [] if visible is None else [np.asarray(visible, np.uint8)]
    parts = [p if isinstance(p, bytes) else np.ascontiguousarray(p).tobytes() for p in parts]
    # the dots are redrawn only when this changes: what they show, or the plane's range
    points_key = hashlib.sha256(b"".join([*parts, repr(header.get("span")).encode()])).hexdigest()[:16]
    head = {**header, "weights_key": weights_key, "weights_bytes": len(weights), "n": n, "points_key": points_key,
            "values": values is not None, "visible": visible is not None,
            "range": None if values is None or not n else [float(np.min(values)), float(np.max(values))]}
    return frame(head, [weights, *parts])


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def pin_values(pin) -> tuple[float, float, int | None] | None:
    """(z1, z2, test digit or None) of a pin the browser sent, or None when it is not one.

    The browser sends {"z": [x, y], "digit": index or null}, but a hand-made message can send any JSON: only two
    finite numbers and a whole non-negative digit index get through (the plane clips z to its range and checks the
    index against the test set)."""
    if not isinstance(pin, dict):
        return None
    z, digit = pin.get("z"), pin.get("digit")
    if not isinstance(z, list) or len(z) != 2 or not all(_number(v) for v in z):
        return None
    if digit is not None and not (isinstance(digit, int) and not isinstance(digit, bool) and digit >= 0):
        return None
    return float(z[0]), float(z[1]), digit


def box_values(select) -> list[float] | None | bool:
    """[x0, y0, x1, y1] (x0 <= x1, y0 <= y1) of a region the browser sent, None for "no selection", or False when
    the message is not one: the browser sends {"box": [x0, y0, x1, y1]} or {"box": null}."""
    if not isinstance(select, dict) or "box" not in select:
        return False
    box = select["box"]
    if box is None:
        return None
    if not isinstance(box, list) or len(box) != 4 or not all(_number(v) for v in box):
        return False
    x0, y0, x1, y1 = (float(v) for v in box)
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def inside(xy: np.ndarray, box: list[float]) -> np.ndarray:
    """Which points (N, 2) lie in the box [x0, y0, x1, y1], edges included (the browser's rule too), (N,) bool."""
    x0, y0, x1, y1 = box
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


def _state() -> PlaneState:
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, PlaneState):
        state = st.session_state[STATE_KEY] = PlaneState()
    return state


def _take_pin() -> None:
    """A click (or arrow key) on the plane: its z becomes the sliders' values before the fragment reruns."""
    values = pin_values((st.session_state.get(KEY) or {}).get("pin"))
    if values is None:
        return
    st.session_state[Z_KEYS[0]], st.session_state[Z_KEYS[1]], _state().digit = values
    _state().shown = [*values, _state().box]  # the browser drew it already


def _take_select() -> None:
    """A region drawn on the plane (or cleared there with Escape): it becomes the selection."""
    box = box_values((st.session_state.get(KEY) or {}).get("select"))
    if box is False:
        return
    plane = _state()
    plane.box = box
    if plane.shown is not None:
        plane.shown = [*plane.shown[:3], box]  # the browser drew it already


def clear_selection() -> None:
    """Forget the selected region (a button's callback); the plane is told on the next run."""
    _state().box = None


def _jumped() -> None:
    _state().jump = st.session_state.get(JUMP_KEY)


def jump_input(n: int) -> None:
    """A number input that pins the μ of the test digit with that index (0 to n - 1) on its next run."""
    st.number_input("Jump to test digit #", 0, n - 1, value=None, step=1, key=JUMP_KEY, on_change=_jumped,
                    placeholder="index", help="pins that digit's latent mean μ on the plane")


def _slider_moved() -> None:
    _state().digit = None


def latent_plane_ui(ref: R.ModelRef, means: np.ndarray, labels: np.ndarray, dims: tuple[int, int],
                    base: np.ndarray, span: float, log_var: np.ndarray | None = None,
                    colour: tuple[str, np.ndarray] | None = None, visible: np.ndarray | None = None) -> Pinned:
    """Show the plane, its decoded digit and the z sliders; return the pinned point and the selection. A link's
    `z=x,y` pins that point, and the pinned point goes back into the URL (ui/links).

    Args:
        means: (N, latent_dim) test latent means, drawn at their `dims` coordinates and coloured by `labels`.
        dims: the horizontal and vertical latent dimensions (dims[1] = -1 for a 1-dimensional latent space).
        base: (latent_dim,) the values of the dimensions not shown.
        span: the plane covers [-span, span] on both axes.
        log_var: (N, latent_dim) the test digits' posterior log-variances, for the μ ± 2σ ellipse.
        colour: (what, values (N,)) to colour the dots by a per-digit quantity instead of the label.
        visible: (N,) bool, the dots the label filter keeps: the others are dimmed and cannot be selected.
    """
    state, plane = st.session_state, _state()
    if links.full_run():  # the component may have been mounted afresh, and a new one shows the point last sent
        plane.shown = plane.sent
        asked = links.take("z")
        if asked is not None and max(map(abs, asked)) > span:
            links.reject("z", f"outside this model's plane, ±{span:g}")
        elif asked is not None:
            state[Z_KEYS[0]], state[Z_KEYS[1]], plane.digit = asked[0], asked[1], None
    # Streamlit forgets the sliders' values when another page runs; `kept` brings them back on return. Both are
    # kept inside this model's range (it may have changed with the model).
    for key, kept in zip(Z_KEYS, plane.kept, strict=True):
        state[key] = float(np.clip(state.get(key, kept), -span, span))
    if dims[1] < 0:
        state[Z_KEYS[1]] = 0.0
    xy = np.stack([means[:, dims[0]], means[:, dims[1]] if dims[1] >= 0 else np.zeros(len(means))], axis=1)
    if plane.jump is not None:  # the number input asked for a test digit: its μ on the shown dimensions
        if 0 <= plane.jump < len(labels):
            state[Z_KEYS[0]], state[Z_KEYS[1]] = (float(np.clip(v, -span, span)) for v in xy[plane.jump])
            plane.digit = plane.jump
        plane.jump = None
    z = np.asarray(base, np.float32).copy()
    z[dims[0]] = state[Z_KEYS[0]]
    if dims[1] >= 0:
        z[dims[1]] = state[Z_KEYS[1]]
    clicked = plane.digit if plane.digit is not None and 0 <= plane.digit < len(labels) else None

    point = [state[Z_KEYS[0]], state[Z_KEYS[1]], clicked, plane.box]
    if plane.shown != point:
        plane.sends += 1
        plane.sent = plane.shown = point

    sigma = None
    if log_var is not None:
        sigma = np.exp(0.5 * np.asarray(log_var, np.float64)[:, [d for d in dims if d >= 0]])  # (N, 1 or 2)
        sigma = np.pad(sigma, ((0, 0), (0, 2 - sigma.shape[1])))  # a 1-dimensional latent: no height
    names = [f"z{dims[0] + 1}", f"z{dims[1] + 1}" if dims[1] >= 0 else "(unused)"]
    header = {"dims": list(dims), "names": names, "base": [float(v) for v in base], "span": span,
              "pinned": plane.sent[:2], "digit": plane.sent[2], "box": plane.sent[3], "sent": plane.sends,
              "colours": list(PALETTE), "colour": "label" if colour is None else colour[0]}
    data = payload(_weights(ref.name, ref.file_hash), ref.file_hash, xy, labels, header, sigma,
                   None if colour is None else colour[1], visible)
    result = _plane(key=KEY, data=data, on_pin_change=_take_pin, on_select_change=_take_select,
                    on_ready_change=lambda: None)
    ready = bool(getattr(result, "ready", False))

    left, right = st.columns(2)
    with left:
        st.slider(names[0], -span, span, key=Z_KEYS[0], step=0.01, on_change=_slider_moved)
        st.slider(names[1], -span, span, key=Z_KEYS[1], step=0.01, on_change=_slider_moved, disabled=dims[1] < 0)
    with right:
        if not ready:  # the component has not started (yet): the server decodes
            digit(R.decode(ref, z[None])[0], width=140)
        st.markdown(f"Pinned **z** = ({', '.join(f'{v:.2f}' for v in z)})", help="set by a click or the sliders")
        if clicked is not None:
            st.caption(f"Clicked test digit #{clicked} (label {labels[clicked]}): its μ is pinned.")
    plane.pinned = z.tolist()
    plane.kept = (state[Z_KEYS[0]], state[Z_KEYS[1]])
    links.share(z=f"{links.number(state[Z_KEYS[0]])},{links.number(state[Z_KEYS[1]])}")
    selected = None
    if plane.box is not None:
        selected = np.flatnonzero(inside(xy.astype(np.float32), plane.box) & (True if visible is None else visible))
    return Pinned(z, clicked, selected)


def nearest_digits(means: np.ndarray, z: np.ndarray, k: int = 8) -> np.ndarray:
    """Indices of the k test digits whose latent means are nearest to z (Euclidean)."""
    return np.argsort(((means - z) ** 2).sum(axis=1))[:k]
