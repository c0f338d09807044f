"""Latent projections: the latent means of test digits through PCA, t-SNE and UMAP."""

import streamlit as st

from ui import resources as R
from ui.current import current_model, latent_dim
from ui.scatter_panels import scatter_panels

METHODS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}

st.title("Latent projections")
st.markdown(
    "The encoder's latent means **μ** of test digits, flattened to 2-D three ways, as in the reference notebook: "
    "**PCA** (a linear view), **t-SNE** (perplexity 30, 1,000 iterations) and **UMAP** (both keep neighbours "
    "together). Clusters that separate cleanly mean the code has learned the digit classes without ever seeing a "
    "label. Hover a point to see its digit; more points take longer the first time, then come from the cache.")

ref = current_model()
dim = latent_dim(ref)
images, labels = R.test_set()
n = st.select_slider("Test digits", options=[500, 1000, 2000, 5000, 10000], value=2000)

results = {}
missing = [m for m in METHODS if not R.projection_on_disk(ref, m, n)]
if missing:
    with st.status(f"Computing {', '.join(METHODS[m] for m in missing)} of {n} points "
                   "(first time only; cached on disk next to the model)…", expanded=True) as status:
        progress = st.progress(0.0)
        for k, method in enumerate(METHODS):
            st.write(f"{METHODS[method]}…")
            results[method] = R.projection(ref.name, ref.file_hash, method, n)
            progress.progress((k + 1) / len(METHODS))
        status.update(label="Projections ready", state="complete", expanded=False)
else:
    results = {m: R.projection(ref.name, ref.file_hash, m, n) for m in METHODS}

panels = list(METHODS.items()) + ([("raw", "Raw latent plane (z₁, z₂)")] if dim == 2 else [])
means = R.z_mean(ref)
indices = results["pca"][0]
coords = []
for method, title in panels:
    xy = means[indices] if method == "raw" else results[method][1]  # the same seeded digits in every projection
    coords.append((title, xy[:, :2]))
scatter_panels(coords, labels[indices], indices, images[indices], key=f"{ref.file_hash}-{n}")
st.caption(f"{len(indices)} test digits, the same seeded subset in every panel; coloured by true label. Hover a "
           "dot to see its digit, ringed in every panel.")
