"""Prior holes: the aggregate posterior q(z) against the prior, and the digits prior draws make in its holes."""

import numpy as np
import streamlit as st

from ui import holes
from ui import resources as R
from ui.current import current_model, latent_dim
from ui.widgets import gallery, intro

st.title("Prior holes")
intro(
    "The shaded map is the density of the codes, **q(z)**: the average of the test digits' posteriors "
    "N(μ, σ²), the places the decoder was trained to draw from. The dashed rings are the prior **N(0, I)** that "
    "**Random samples** draws from. Where a draw lands on white, no digit's posterior covers it: the decoder "
    "never learned anything there, and that is where the unreadable samples come from.")

ref = current_model()
dim = latent_dim(ref)
if R.loaded(ref).config.kind == "ae":
    st.info("A plain autoencoder encodes each digit to a point (σ = 0), so its codes have no density to draw, and "
            "no prior was ever asked of it: compare a VAE.")
    st.stop()
if dim < 2:
    st.info("This model has a 1-dimensional latent space: pick a model with two or more latent dimensions.")
    st.stop()
dims = (0, 1)
c1, c2, c3 = st.columns(3)
if dim > 2:
    d1 = c1.selectbox("Horizontal dimension", range(dim), index=0, format_func=lambda i: f"z{i + 1}")
    d2 = c2.selectbox("Vertical dimension", range(dim), index=1, format_func=lambda i: f"z{i + 1}")
    if d1 == d2:
        st.warning("Pick two different dimensions.")
        st.stop()
    dims = (d1, d2)
n_draws = c3.slider("Prior draws", 10, 100, 40, 10)
seed = c3.number_input("Seed", 0, 2**31 - 1, 0)

means = R.z_mean(ref)
span = max(4.0, float(np.ceil(np.abs(means[:, list(dims)]).max())))
grid = holes.plane(ref.name, ref.file_hash, dims, span, 81)
priors = ["standard", "learned"] if R.learned_prior(ref) is not None else ["standard"]
names = {"standard": "N(0, I)", "learned": "the learned prior"}
draws = {}  # which -> (z, images, order densest first, log q)
for which in priors:
    z, images = R.prior_samples(ref, which, n_draws, int(seed))
    draws[which] = (z, images, *holes.draws_by_density(ref, z))
# the colour scale ends 12 nats under the densest place: below that the map is simply empty
floor = float(grid["log_q"].max()) - 12.0
marginal = {which: (draws[which][0][:, list(dims)], holes.holes_marginal(ref, draws[which][0], dims))
            for which in priors}
st.plotly_chart(holes.density_chart(grid, dims, *marginal["standard"], floor, marginal.get("learned")),
                width="stretch", key="holes_plane")
if "learned" in priors:
    st.caption("Circles: draws from N(0, I). Diamonds: the same number of draws from the learned prior, a Gaussian "
               "mixture fitted to the training digits' codes after training (`python -m vae_core prior`).")
else:
    st.caption(f"No learned prior is stored for this model file: fit one to the training digits' codes with "
               f"`python -m vae_core prior --model {ref.name}` to see its draws on this map beside N(0, I)'s.")
if dim > 2:
    st.caption(f"For {dim} latent dimensions the map shows q's marginal over z{dims[0] + 1} and z{dims[1] + 1} "
               "(the other dimensions integrated out) and the draws coloured by their marginal density there; the "
               "order below uses the full density in all dimensions.")

st.subheader("The draws, from the densest place of q(z) to the emptiest")
columns = st.columns(len(priors))
for col, which in zip(columns, priors, strict=True):
    _, images, order, log_q = draws[which]
    with col:
        if len(priors) == 2:
            st.markdown(f"**{names[which]}**")
        gallery(images[order], columns=10, scale=2,
                caption=" · ".join(f"{log_q[i]:.0f}" for i in order[:10]) + " … " +
                " · ".join(f"{log_q[i]:.0f}" for i in order[-5:]) + "  (log q(z) at each draw, nats)")
held_out = float(np.median(holes.codes_log_q(ref)))
medians = {which: float(np.median(draws[which][3])) for which in priors}
shares = {which: float(np.mean(draws[which][3] < held_out - 10)) for which in priors}
st.markdown(
    f"The test digits' own codes, each judged by the other digits' posteriors, have a median log q(z) of "
    f"**{held_out:.1f}** nats; the N(0, I) draws have a median of **{medians['standard']:.1f}**, and "
    f"**{shares['standard']:.0%}** of them lie more than 10 nats (a factor e¹⁰ ≈ 22,000) below the codes' median. "
    "The KL term of the loss is what pulls q(z) towards the prior: with a larger β the codes are pushed to fill "
    "N(0, I) and the holes close, at the price of blurrier reconstructions; with a small β each posterior shrinks "
    "to keep its digit's details and the codes spread where they like, so N(0, I) draws fall between them. "
    "Compare `beta4` with `latent16-lowbeta`.")
if "learned" in priors:
    st.markdown(
        f"The learned prior's draws have a median log q(z) of **{medians['learned']:.1f}** nats, and "
        f"**{shares['learned']:.0%}** of them lie more than 10 nats below the codes' median: fitted to where the "
        "codes are rather than asked of them, it draws from the places the decoder was trained on, whatever β left.")
