"""Latent explorer: move over the latent plane and watch the decoder draw the digit under the pointer."""

import numpy as np
import streamlit as st

from ui import resources as R
from ui.current import current_model, latent_dim
from ui.latent_plane import latent_plane_ui, nearest_digits
from ui.widgets import digit, gallery, intro

st.title("Latent explorer")
intro(
    "Every dot is a test digit placed at its latent mean **μ**, coloured by its label. **Move the pointer** over "
    "the plane and the decoder, running in your browser, draws the digit it associates with that point; "
    "**click** to pin a point (on a dot: that digit's μ) and see its nearest test digits; the sliders and the "
    "arrow keys move **z** from the keyboard. Walk from one cluster to another and watch one digit morph into the "
    "next: that smoothness is what the KL term buys.")

ref = current_model()
dim = latent_dim(ref)
means = R.z_mean(ref)
images, labels = R.test_set()

# For latent_dim > 2 the user picks two dimensions; the others stay at 0 or at a chosen digit's mean.
dims = (0, 1) if dim >= 2 else (0, -1)
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
# the plane covers [-span, span] on both axes: at least the prior's ±4, more when the codes spread further
span = max(4.0, float(np.ceil(np.abs(means[:, [d for d in dims if d >= 0]]).max())))


@st.fragment
def plane() -> None:
    """The plane, the pinned z and its nearest digits: a click reruns only this fragment."""
    pinned = latent_plane_ui(ref, means, labels, dims, base, span)
    nearest = nearest_digits(means, pinned.z)
    st.caption("Nearest test digits to the pinned z (by latent mean)")
    gallery(images[nearest], columns=8, scale=2, caption=" · ".join(f"#{i}:{labels[i]}" for i in nearest))


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
grid_span = g2.slider("Range ±", 0.5, 6.0, 3.0, 0.5)
gaussian = g3.toggle("Gaussian-quantile spacing", value=False)
others = tuple(float(v) for v in base) if dim > 2 else None
tiles = R.grid(ref.name, ref.file_hash, n, grid_span, gaussian, dims, others)
gallery(tiles.reshape(-1, 28, 28), columns=n, scale=2,
        caption=f"{n}×{n} grid: z{dims[0] + 1} left → right, z{dims[1] + 1} bottom → top; one batched decoder call")
