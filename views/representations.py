"""Representations and compression: what the latent code is worth with few labels, and in bits."""

import streamlit as st

from ui import app_data as A
from ui import family as F
from ui import resources as R
from ui.app_charts import accuracy_chart, rate_chart
from ui.current import current_model
from ui.messages import public
from vae_core import represent
from vae_core.errors import UserError

st.title("Representations")
st.markdown(
    "The encoder was trained without labels. How much is its code worth to a classifier that gets only a few? "
    "A **logistic regression** and a **5-nearest-neighbour** classifier are trained on the latent means of "
    "10, 100, 1,000 or all labelled training digits per class, beside the same classifiers on the **raw pixels** "
    "and on **PCA** with as many dimensions as the latent. Below, the same code as **compression**: the bits per "
    "image it costs against how well the digit comes back.")

ref = current_model()
test_digits = st.select_slider("Test digits (accuracy on the first N)", options=[500, 2000, 10000],
                               value=A.REPRESENT_CONFIG.test_digits)

baselines = A.represent_baselines_on_disk(ref, test_digits) or st.toggle(
    "Compare with raw pixels and PCA (about a minute or two on two cores the first time; then cached on disk for "
    "every model with this latent size)", key="represent_baselines")

st.subheader("Accuracy against labels per class")
with st.spinner("Training the classifiers (first time only; then cached on disk)…"):
    result = A.represent_report(ref, test_digits, baselines)
st.plotly_chart(accuracy_chart(result, represent.CLASSIFIER_LABELS), width="stretch", key="accuracy_chart")
st.dataframe(represent.table_rows(result), hide_index=True, width="stretch", column_config={
    f"{label} / class": st.column_config.NumberColumn(format="percent") for label in result["labels_per_class"]})
st.caption(f"{result['train_digits']:,} training digits to draw labels from (seed {result['seed']}), accuracy on the "
           f"first {result['test_digits']:,} test digits; logistic regression on standardised features with at most "
           f"{result['logistic_max_iter']} lbfgs iterations; k-NN with k = {result['neighbours']}. Same figures: "
           f"`python -m vae_core represent --model {ref.name} --test-digits {test_digits}`.")

st.subheader("Compression: bits per image against reconstruction error")
st.markdown(
    "A VAE's code costs its **KL term** in bits (KL ÷ ln 2; bits-back coding) when the receiver decodes a sampled "
    "z (★); stored plainly, each latent number is a 32-bit float (◆, decoded from the mean). PCA codes of 1–64 "
    "floats and lossless PNG files of the digits are the baselines. Lower left is better.")
reports = []
names, more = F.page_models()
for name in names:
    try:
        reports.append(A.compress_report(R.model_ref(name)))
    except UserError as exc:
        st.warning(f"{name}: {public(exc)}")
st.plotly_chart(rate_chart(reports, A.compress_report(ref), ref.name), width="stretch", key="rate_chart")
st.dataframe([{"model": r["model"], "kind": r["kind"], "latent_dim": r["latent_dim"], "β": r["beta"],
               "KL bits / image": r["kl_bits_per_image"], "MSE at KL rate": r["mse_at_kl_rate"],
               "float32 code bits": r["code_bits_float32"], "MSE (mean decoded)": r["mse_of_mean"],
               "PCA same size: MSE": r["pca_same_size"]["mse"]} for r in reports], hide_index=True, width="stretch")
if more:
    st.caption(more)
if reports:
    st.caption(f"First {reports[0]['test_digits']:,} test digits. PNG: {reports[0]['png_bits_per_image']:.0f} bits "
               f"per digit on average (lossless); raw 8-bit pixels: {reports[0]['raw_bits_per_image']:,} bits. "
               f"Same figures: `python -m vae_core compress --model {ref.name}`.")
