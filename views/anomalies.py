"""Anomalies: how unlike MNIST an image is, by the model's own scores; MNIST against Fashion-MNIST and noise."""

import streamlit as st

from ui import app_data as A
from ui import family as F
from ui import resources as R
from ui.app_charts import roc_chart, score_histograms
from ui.current import current_model
from ui.digit_input import digit_input
from ui.messages import public
from ui.widgets import digit, gallery
from vae_core import anomaly
from vae_core.errors import DataNotFoundError, UserError

st.title("Anomalies")
st.markdown(
    "A VAE gives every image a **score**: its negative ELBO, or the tighter negative **IWAE bound**, in nats; "
    "the higher, the less the image looks like what the model learned. Here the MNIST test digits are scored "
    "beside clothes from **Fashion-MNIST** and **uniform noise**; the ROC curve and its **AUC** say how well the "
    "score alone tells them apart (1 = perfectly, 0.5 = a coin toss). A plain autoencoder has only its "
    "reconstruction loss. Upload or draw an image to see where it falls.")

ref = current_model()
loaded = R.loaded(ref)
names = anomaly.score_names(loaded)
c1, c2, c3 = st.columns(3)
st.session_state.setdefault("anomaly_n", 2000)
n = c1.select_slider("Images per set", options=[500, 1000, 2000, 5000, 10000], key="anomaly_n",
                     help="the first N MNIST test digits, N seeded Fashion-MNIST images and N seeded noise images")
k = c2.select_slider("IWAE samples k", options=[10, 50], value=10, disabled=loaded.config.kind == "ae")
score = c3.radio("Score", names, format_func=anomaly.SCORE_LABELS.get, horizontal=True)

sets = list(anomaly.SETS)
try:
    A.fashion()
except DataNotFoundError:  # the app runs without it; the message's server path is not the visitor's business
    st.warning("Fashion-MNIST is not on this server, so MNIST is compared with noise only (whoever runs the "
               "server can add it: `python -m vae_core data --fashion`).")
    sets.remove("fashion")

missing = [s for s in sets if not A.anomaly_on_disk(ref, s, n, k)]
progress = st.container()  # on every run, so the elements below keep their place (and an open expander) after it
scores = {}
if missing:
    with progress, st.status(f"Scoring {n:,} images of {len(missing)} set(s) (first time only; cached on disk next to "
                   "the model)…", expanded=True) as status:
        for s in sets:
            st.write(anomaly.SET_LABELS[s] + "…")
            scores[s] = A.anomaly_scores(ref.name, ref.file_hash, s, n, k)
        status.update(label="Scores ready", state="complete", expanded=False)
else:
    scores = {s: A.anomaly_scores(ref.name, ref.file_hash, s, n, k) for s in sets}

outliers = [s for s in anomaly.OUTLIER_SETS if s in scores]
curves = {s: anomaly.roc(scores["mnist"][score], scores[s][score]) for s in outliers}
for column, s in zip(st.columns(len(outliers) + 1), outliers, strict=False):
    column.metric(f"AUC: MNIST vs {anomaly.SET_LABELS[s]}", f"{curves[s][2]:.3f}")

uploaded = None
with st.expander("Where does your image fall?", expanded=False, key="anomaly_upload_box"):
    image = digit_input("anomaly")
    if image is not None:
        uploaded = A.score_upload(ref, image, k)[score]
        place = anomaly.percentile(uploaded, scores["mnist"][score])
        u1, u2 = st.columns([1, 3])
        with u1:
            digit(image, "preprocessed 28×28 input")
        u2.metric(anomaly.SCORE_LABELS[score], f"{uploaded:.1f} nats")
        u2.markdown(f"Higher than **{place:.1f}%** of the MNIST test digits scored here"
                    + (" — the model finds it unusual." if anomaly.unusual(place) else "."))

labels = {s: anomaly.SET_LABELS[s] for s in sets}
h1, h2 = st.columns(2)
h1.plotly_chart(score_histograms({s: scores[s][score] for s in sets}, labels,
                                 f"{anomaly.SCORE_LABELS[score]} (nats)", uploaded, "your image"),
                width="stretch", key="score_histograms")
h2.plotly_chart(roc_chart(curves, labels), width="stretch", key="roc")
st.dataframe(anomaly.summary_rows(scores), hide_index=True, width="stretch")

st.subheader("The most and least typical test digits")
images, digit_labels = R.test_set()
low, high = anomaly.typical(scores["mnist"][score], 10)
t1, t2 = st.columns(2)
with t1:
    gallery(images[low], columns=10, caption="lowest scores: " + ", ".join(
        f"#{i} ({scores['mnist'][score][i]:.0f})" for i in low))
with t2:
    gallery(images[high], columns=10, caption="highest scores: " + ", ".join(
        f"#{i} ({scores['mnist'][score][i]:.0f})" for i in high))

st.subheader("Every model")
if st.toggle("Compare the AUCs of all models (scores each model once, then cached)", key="anomaly_all"):
    rows = []
    names, note = F.page_models()
    if note:
        st.caption(note)
    for name in names:
        try:
            other = R.model_ref(name)
            found = {s: A.anomaly_scores(other.name, other.file_hash, s, n, k) for s in sets}
        except UserError as exc:
            st.warning(f"{name}: {public(exc)}")
            continue
        rows += [{"model": name, **row} for row in anomaly.summary_rows(found)]
    st.dataframe(rows, hide_index=True, width="stretch")
st.caption(f"{n:,} images per set; IWAE with k = {k}; seed {A.SEED}. Same figures: "
           f"`python -m vae_core anomaly --model {ref.name} --n {n} --k {k}`.")
