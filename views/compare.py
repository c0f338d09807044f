"""Compare models: the family side by side (AE vs VAE, beta, latent size) on the same test digits."""

import streamlit as st

from ui import family as F
from ui import links
from ui import resources as R
from ui.compare_charts import loss_overlay, planes, rate_distortion, score_bars
from ui.digit_input import digit_input
from ui.widgets import digit, gallery
from vae_core.config import to_dict
from vae_core.family import comparison_row
from vae_core.generate import traversals
from vae_core.store import list_models

st.title("Compare models")
st.markdown(
    "The same test digits and colours through each model. A **plain autoencoder** (AE) places codes wherever "
    "reconstruction wants them; a **VAE** also pays a KL term that pulls every code towards N(0, I), which is "
    "what lets it generate from random draws. **β** weighs that term: more β, smoother and more overlapping "
    "codes, blurrier reconstructions; less β, sharper reconstructions and a code that uses more dimensions.")

MODELS_KEY = "compare_models"
names = list_models()
asked = links.take("models")
if asked is not None:
    st.session_state[MODELS_KEY] = asked  # ui.links checked every name against the store
elif not isinstance(st.session_state.get(MODELS_KEY), list):
    st.session_state[MODELS_KEY] = [n for n in ("default", "ae", "beta4", "latent16", "latent16-lowbeta")
                                    if n in names] or names[:3]
else:  # a model removed since the last run would make the widget refuse its own state
    st.session_state[MODELS_KEY] = [n for n in st.session_state[MODELS_KEY] if n in names]
chosen = st.multiselect("Models", names, key=MODELS_KEY, max_selections=links.MAX_MODELS,
                        help=f"Up to {links.MAX_MODELS} model folders from models/")
chosen = list(dict.fromkeys(n for n in chosen if n in names))[:links.MAX_MODELS]  # a forged value asks no more
links.share(models=",".join(chosen) if chosen else None)
if len(chosen) < 2:
    st.info("Pick two or more models to compare.")
    st.stop()
refs, problems = F.usable(chosen)
for problem in problems:
    st.error(problem)
if len(refs) < 2:
    st.stop()
images, labels = R.test_set()

st.subheader("Latent planes")
method = st.radio("Projection for latent_dim > 2", ["pca", "tsne", "umap"], horizontal=True,
                  format_func={"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}.get,
                  help="latent_dim 2 models show their raw plane (z₁, z₂)")
panels = []
for ref in refs:
    indices, xy = F.plane(ref, method)
    dim = R.loaded(ref).config.latent_dim
    panels.append((ref.name if dim == 2 else f"{ref.name} · {method.upper()}", xy,
                   labels[indices], indices))
st.plotly_chart(planes(panels), width="stretch", key="planes")
st.caption(f"The same {F.PLANE_POINTS:,} test digits in every panel, coloured by their true label: the raw plane "
           "(z₁, z₂) of a 2-D model, a projection of a wider one. The AE's plane "
           "has no fixed scale or centre; a VAE's codes crowd around the origin, the prior's mode.")

st.subheader("Samples from the priors")
seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="compare_seed")
cols = st.columns(len(refs))
for col, ref in zip(cols, refs, strict=True):
    with col:
        st.markdown(f"**{ref.name}**")
        if R.learned_prior(ref) is not None:
            gallery(R.prior_samples(ref, "learned", 16, int(seed))[1], columns=4, scale=2, caption="learned prior")
        else:
            st.caption("N(0, I) only: no learned prior stored")
        gallery(R.prior_samples(ref, "standard", 16, int(seed))[1], columns=4, scale=2, caption="N(0, I)")
st.caption("The decoder's output for random z from each model's learned prior (a Gaussian mixture fitted to its "
           "training digits' codes, `python -m vae_core prior --model NAME`) and from N(0, I). A VAE was trained "
           "to decode z ~ N(0, I), but its codes rarely fill it; the AE never was, so most of its N(0, I) draws "
           "fall where no training code lives and come out as smudges. The learned prior draws where the codes are.")

st.subheader("Loss curves")
curve = st.radio("Curve", ["val_reconstruction_loss", "val_kl_loss", "val_loss"], horizontal=True,
                 format_func={"val_loss": "validation loss (as trained: reconstruction + β·KL)",
                              "val_reconstruction_loss": "validation reconstruction",
                              "val_kl_loss": "validation KL"}.get)
histories = {ref.name: R.loaded(ref).history for ref in refs}
st.plotly_chart(loss_overlay(histories, curve, "", log_y=curve == "val_kl_loss"), width="stretch", key="curves")

st.subheader("Figures")
rows = [comparison_row(ref.name, to_dict(R.loaded(ref).config), R.loaded(ref).extra.get("run") or {},
                       R.metrics(ref)) for ref in refs]
st.dataframe(rows, hide_index=True, width="stretch", column_config={
    "kNN accuracy": st.column_config.NumberColumn(format="percent"),
    "samples read (≥0.9)": st.column_config.NumberColumn(
        format="percent", help="share of 1,000 N(0, I) samples an MNIST classifier reads with confidence ≥ 0.9"),
    "learned prior: samples read (≥0.9)": st.column_config.NumberColumn(
        format="percent", help="share of 10,000 learned-prior samples an MNIST classifier reads with confidence "
                               "≥ 0.9"),
    "learned prior FID": st.column_config.NumberColumn(
        format="%.1f", help="MNIST FID of 10,000 learned-prior samples against the test digits (lower is closer)"),
    "N(0, I) FID": st.column_config.NumberColumn(
        format="%.1f", help="MNIST FID of 10,000 N(0, I) samples against the test digits (lower is closer)"),
    "active units": st.column_config.NumberColumn(help="latent dimensions with Cov_x(E[z|x]) > 0.01 "
                                                       "(Burda et al. 2016)"),
    "training min": st.column_config.NumberColumn(format="%.0f")})
st.caption("Test set, nats per image (`python -m vae_core evaluate`). An AE has no KL, ELBO or IWAE bound: "
           "it defines no probability of an image. Active units count the dimensions the code really uses. "
           "FID: the Fréchet distance between the MNIST classifier's penultimate-layer features of the samples and "
           "of the test digits (`python -m vae_core prior` measures both priors).")

points = [(r["model"], r["KL"], r["reconstruction"]) for r in rows
          if r["KL"] is not None and r["reconstruction"] is not None]
stored = F.stored_rate_distortion()
others = [(s["name"], s["kl"], s["reconstruction"]) for s in stored if s["name"] not in {p[0] for p in points}]
sweep = [(s["beta"], s["kl"], s["reconstruction"]) for s in stored if s["latent_dim"] == 2 and s["beta"] is not None]
if len(points) + len(others) >= 2:
    st.subheader("Rate and distortion")
    st.plotly_chart(rate_distortion(points, others, sweep), width="stretch", key="rd")
    st.caption("Each VAE spends a **rate** (the KL: how many nats its code carries about the image) to buy a "
               "lower **distortion** (reconstruction loss). β moves a model along this trade-off (the dashed line "
               "joins the latent-2 models in order of β); a larger latent with a small β buys sharp reconstructions "
               "with many nats. Grey points: the other models in models/.")

wide = [ref for ref in refs if R.loaded(ref).config.latent_dim > 2]
if wide:
    st.subheader("Latent traversals")
    t1, t2, t3 = st.columns([2, 1, 1])
    which = t1.selectbox("Model", [ref.name for ref in wide])
    index = int(t2.number_input("Held at test digit #", 0, len(labels) - 1, 0))
    steps = t3.slider("Steps", 5, 15, 9)
    ref = next(r for r in wide if r.name == which)
    rows_images = traversals(R.loaded(ref).fast, R.z_mean(ref)[index], steps=steps, span=3.0)
    gallery(rows_images.reshape(-1, 28, 28), columns=steps, scale=2,
            caption=f"row u: z_u swept from −3 to 3, the other dimensions held at test digit #{index}'s mean "
                    f"(label {labels[index]})")
    st.caption("What each latent dimension learned (the figure β-VAE papers use). Rows that do not change are "
               "dimensions the model leaves unused: they carry no information about the image.")

st.subheader("Your digit through every model")
image = digit_input("compare")
if image is not None:
    results = F.through_every_model(refs, image)
    cols = st.columns(len(results) + 1)
    with cols[0]:
        digit(image, "your digit (preprocessed)", width=112)
    for col, result in zip(cols[1:], results, strict=True):
        with col:
            digit(result["reconstruction"], f"{result['model']}: {result['score']:.0f} nats", width=112)
    st.plotly_chart(score_bars([r["model"] for r in results], [r["percentile"] for r in results]),
                    width="stretch", key="upload_scores")
    st.caption("Score: negative ELBO (reconstruction for the AE). The bar is its percentile among the test "
               "digits: near 100, the model finds your digit unusual.")
    st.session_state["compare_upload_scores"] = {r["model"]: r["score"] for r in results}
