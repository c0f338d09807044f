"""Reconstructions: test digits through the encoder and back; upload or draw your own."""

import numpy as np
import streamlit as st

from ui import family as F
from ui import links
from ui import resources as R
from ui.charts import error_map, loss_histogram
from ui.current import current_model, latent_dim
from ui.digit_input import digit_input
from ui.indices import parse_indices
from ui.scatter_panels import scatter_panels
from ui.widgets import digit, gallery
from vae_core import anomaly

TEST_DIGITS = 2000  # test digits drawn around an uploaded digit's latent mean

st.title("Reconstructions")
st.markdown(
    "Top row: test digits; bottom row: what the VAE redraws from their latent means. The blur is the price of "
    "squeezing 784 pixels through a tiny code. Pick digits by index, or **upload or draw your own** below and "
    "see where it lands in the latent space and how unusual the model finds it.")

ref = current_model()
images, labels = R.test_set()
dim = latent_dim(ref)
recon_all, kl_all = R.test_losses(ref.name, ref.file_hash)
scores_all = F.test_scores(ref.name, ref.file_hash)  # negative ELBO; an AE (no KL) is scored by its reconstruction

st.subheader("Test digits")
asked = links.take("idx")  # a link's indices, their form checked by ui/links; the range is this test set's
if asked is not None:
    try:
        parse_indices(asked, len(labels))
    except ValueError as exc:
        links.reject("idx", f"{str(exc).split(':')[0]}; the test digits are 0 to {len(labels) - 1}")  # not echoed
    else:
        st.session_state["recon_indices"] = asked
st.session_state.setdefault("recon_indices", "0-9")
c1, c2 = st.columns([3, 1])
c2.button("Random 10", on_click=lambda: st.session_state.update(
    recon_indices=",".join(map(str, np.random.default_rng().choice(len(labels), 10, replace=False)))))
text = c1.text_input("Test indices (e.g. `0-9` or `3, 17, 512`)", key="recon_indices")

try:
    chosen = parse_indices(text, len(labels))
except ValueError as exc:
    st.error(f"{str(exc).capitalize()}. Enter up to 50 indices from 0 to {len(labels) - 1}, separated by commas; "
             "ranges like 0-9 work.")
    st.stop()
links.share(idx=text)

originals = images[chosen]
reconstructions = R.test_reconstructions(ref.name, ref.file_hash, tuple(int(i) for i in chosen))
gallery(np.concatenate([originals, reconstructions]), columns=len(chosen), scale=3,
        caption="top: input · bottom: reconstruction (decoded latent mean)")
st.dataframe({"index": chosen, "label": labels[chosen], "reconstruction loss": recon_all[chosen],
              "KL": kl_all[chosen], "negative ELBO": (recon_all + kl_all)[chosen]}, hide_index=True, width="stretch")
with st.expander("Per-pixel error map"):
    pick = st.selectbox("Digit", chosen, format_func=lambda i: f"#{i} (label {labels[i]})")
    k = chosen.index(pick)
    e1, e2, e3 = st.columns(3)
    with e1:
        digit(originals[k], "input")
    with e2:
        digit(reconstructions[k], "reconstruction")
    e3.plotly_chart(error_map(np.abs(originals[k] - reconstructions[k])), width="content")

st.divider()
st.subheader("Your own digit")
mine = digit_input("recon")
if mine is not None:
    mean, back, score = R.describe_digits(ref, mine[None])
    back, score = back[0], float(score[0])
    place = anomaly.percentile(score, scores_all)
    u1, u2, u3 = st.columns([1, 1, 3])
    with u1:
        digit(mine, "preprocessed 28×28 input")
    with u2:
        digit(back, "reconstruction")
    with u3:
        st.metric("Negative ELBO", f"{score:.1f} nats",
                  help="reconstruction + KL of your digit; higher = less like what the model learned")
        st.markdown(f"Higher than **{place:.1f}%** of the test digits"
                    + (" — the model finds it unusual (a candidate anomaly)." if anomaly.unusual(place) else "."))
        st.markdown(f"Latent mean μ = ({', '.join(f'{v:.2f}' for v in mean[0])})")
    p1, p2 = st.columns(2)
    means = R.z_mean(ref)
    xy = means[:, :2] if dim >= 2 else np.stack([means[:, 0], np.zeros(len(means))], axis=1)
    point = (float(mean[0, 0]), float(mean[0, 1]) if dim >= 2 else 0.0)
    axes = "z₁ across, z₂ up" if dim == 2 else ("z₁" if dim == 1 else f"z₁ and z₂ of {dim}")
    with p1:  # the page's own canvas panel (ui/scatter_panels): Plotly draws 2,000 dots slowly in the browser
        shown = slice(TEST_DIGITS)
        scatter_panels([(f"latent means of {TEST_DIGITS:,} test digits ({axes})", xy[shown])], labels[shown],
                       np.arange(TEST_DIGITS), images[shown], key=f"{ref.file_hash}-placed",
                       component_key="placed", mark=point, mark_label="your digit")
    p2.plotly_chart(loss_histogram(scores_all, score, "your digit"), width="stretch")
