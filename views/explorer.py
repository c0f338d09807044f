"""Latent explorer: move over the latent plane and watch the decoder draw the digit under the pointer; colour the
test digits by what the model makes of them, select a region of them and generate more like them."""

import numpy as np
import streamlit as st

from ui import links
from ui import resources as R
from ui.current import current_model, latent_dim
from ui.latent_plane import clear_selection, colourings, digit_values, jump_input, latent_plane_ui, nearest_digits
from ui.widgets import digit, gallery, intro
from vae_core import selection

SHOWN = 64  # selected test digits shown in the gallery
DRAWS = 16  # digits generated from a selection

st.title("Latent explorer")
intro(
    "Every dot is a test digit placed at its latent mean **μ**, coloured by its label or by a score of it. **Move "
    "the pointer** over the plane and the decoder, running in your browser, draws the digit it associates with "
    "that point, and the ellipse shows that digit's posterior (μ ± 2σ); **click** to pin a point (on a dot: that "
    "digit's μ) and see its nearest test digits; the sliders and the arrow keys move **z** from the keyboard. "
    "**Shift+drag** (or *Select a region*) selects the dots in a box: see those digits and generate new ones from "
    "a Gaussian fitted to their posteriors. Walk from one cluster to another and watch one digit morph into the "
    "next: that smoothness is what the KL term buys.")

ref = current_model()
dim = latent_dim(ref)
stats = R.latent_stats(ref.name, ref.file_hash)  # (N, 2, latent_dim)
means, log_vars = stats[:, 0], stats[:, 1]
images, labels = R.test_set()

# For latent_dim > 2 the user picks two dimensions; the others stay at 0 or at a chosen digit's mean.
dims = (0, 1) if dim >= 2 else (0, -1)
base = np.zeros(dim, np.float32)
if dim > 2:
    asked_dims, asked_anchor = links.take("dims"), links.take("anchor")
    if asked_dims is not None and max(asked_dims) >= dim:
        links.reject("dims", f"this model has {dim} latent dimensions, z1 to z{dim}")
    elif asked_dims is not None:
        st.session_state["explorer_d1"], st.session_state["explorer_d2"] = asked_dims
    if asked_anchor is not None and asked_anchor >= len(labels):
        links.reject("anchor", f"the test digits are 0 to {len(labels) - 1}")
    elif asked_anchor is not None:
        st.session_state["explorer_anchor"] = asked_anchor
    for key, default, allowed in (("explorer_d1", 0, range(dim)), ("explorer_d2", 1, range(dim)),
                                  ("explorer_anchor", -1, range(-1, len(labels)))):
        if st.session_state.get(key) not in allowed:
            st.session_state[key] = default  # a first visit, or another model had more dimensions
    c1, c2, c3 = st.columns(3)
    d1 = c1.selectbox("Horizontal dimension", range(dim), key="explorer_d1", format_func=lambda i: f"z{i + 1}")
    d2 = c2.selectbox("Vertical dimension", range(dim), key="explorer_d2", format_func=lambda i: f"z{i + 1}")
    if d1 == d2:
        st.warning("Pick two different dimensions.")
        st.stop()
    dims = (d1, d2)
    anchor = c3.number_input("Other dimensions at test digit # (−1 = all zero)", -1, len(labels) - 1,
                             key="explorer_anchor")
    if anchor >= 0:
        base = means[anchor].copy()
        digit(images[anchor], f"anchor: test #{anchor}, label {labels[anchor]}", width=84)
    # the defaults (z1, z2, all zero) stay out of the URL: a link without them means them
    links.share(dims=None if dims == (0, 1) else f"{d1},{d2}", anchor=str(anchor) if anchor >= 0 else None)
else:
    links.share(dims=None, anchor=None)
# the plane covers [-span, span] on both axes: at least the prior's ±4, more when the codes spread further
span = max(4.0, float(np.ceil(np.abs(means[:, [d for d in dims if d >= 0]]).max())))

names = colourings(ref)
k1, k2, k3 = st.columns(3)
by = k1.selectbox("Colour the dots by", list(names), format_func=names.get, key="explorer_colour")
shown_labels = k2.multiselect("Show labels", range(10), placeholder="all", key="explorer_labels")
with k3:
    jump_input(len(labels))
colour = None if by == "label" else (names[by], digit_values(ref, by))
visible = np.isin(labels, shown_labels) if shown_labels else None


def selected_digits(chosen: np.ndarray) -> None:
    """The test digits in the selected region, and new digits drawn from the Gaussian fitted to their posteriors."""
    st.subheader(f"The selection: {len(chosen):,} test digits")
    if not len(chosen):
        st.info("No shown test digit lies in the selected region: draw another box (shift+drag on the plane).")
    else:
        gallery(images[chosen[:SHOWN]], columns=16, scale=2,
                caption=f"the first {min(SHOWN, len(chosen))} of them, by index: "
                        + " · ".join(f"#{i}" for i in chosen[:8]) + (" …" if len(chosen) > 8 else ""))
        st.markdown("**Generated from the selection**: the Gaussian with the mean and covariance of the selected "
                    "digits' posteriors (a mixture of N(μ, σ²) moment-matched), sampled and decoded.")
        seed = st.columns(4)[0].number_input("Seed of the draws", 0, 2**31 - 1, 0, key="explorer_selection_seed")
        z = selection.sample(means[chosen], log_vars[chosen], DRAWS, int(seed))
        gallery(R.decode(ref, z), columns=16, scale=2, caption=f"{DRAWS} draws, seed {seed}")
    st.button("Clear the selection", on_click=clear_selection)


@st.fragment
def plane() -> None:
    """The plane, the pinned z, its nearest digits and the selection: a click or a box reruns only this fragment."""
    shown = latent_plane_ui(ref, means, labels, dims, base, span, log_vars, colour, visible)
    nearest = nearest_digits(means, shown.z)
    st.caption("Nearest test digits to the pinned z (by latent mean)")
    gallery(images[nearest], columns=8, scale=2, caption=" · ".join(f"#{i}:{labels[i]}" for i in nearest))
    if shown.selected is not None:
        selected_digits(shown.selected)


plane()

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
grid_span = g2.slider("Grid span ±", 0.5, 6.0, 3.0, 0.5, help="the grid covers [-span, span] on both axes")
gaussian = g3.toggle("Gaussian-quantile spacing", value=False)
others = tuple(float(v) for v in base) if dim > 2 else None
tiles = R.grid(ref.name, ref.file_hash, n, grid_span, gaussian, dims, others)
gallery(tiles.reshape(-1, 28, 28), columns=n, scale=2,
        caption=f"{n}×{n} grid: z{dims[0] + 1} left → right, z{dims[1] + 1} bottom → top; one batched decoder call")
