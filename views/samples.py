"""Random samples: what the decoder makes of draws from the prior, the learned one beside N(0, I)."""

import streamlit as st

from ui import links
from ui import resources as R
from ui.current import current_model
from ui.widgets import gallery
from vae_core.family import prior_rows

SEED_KEY, COUNT_KEY = "sample_seed", "sample_n"

st.title("Random samples")
st.markdown(
    "Each image is the decoder's output for a random point **z** drawn from a prior. **N(0, I)** is the prior the "
    "KL term pulled the codes towards; the codes rarely fill it, so some of its draws land where no digit was "
    "encoded. A plain autoencoder has no such prior, so it cannot generate like this. Change the count or the "
    "seed, or press **Resample**.")

asked_seed, asked_n = links.take("seed"), links.take("n")
if asked_seed is not None:
    st.session_state[SEED_KEY] = asked_seed
if asked_n is not None:
    st.session_state[COUNT_KEY] = asked_n
st.session_state.setdefault(SEED_KEY, 0)

ref = current_model()
c1, c2, c3 = st.columns([2, 1, 1])
# the default (20) also replaces a forged count; left out in the run a link set the count, as Streamlit asks
n = int(c1.slider("How many", 1, 100, None if asked_n is not None else 20, key=COUNT_KEY))
c2.number_input("Seed", 0, 2**31 - 1, key=SEED_KEY)
c3.button("Resample", type="primary",
          on_click=lambda: st.session_state.update({SEED_KEY: st.session_state[SEED_KEY] + 1}))
seed = int(st.session_state[SEED_KEY])
links.share(seed=str(seed), n=str(n))

priors = ["learned", "standard"] if R.learned_prior(ref) is not None else ["standard"]
names = {"learned": "learned prior", "standard": "N(0, I)"}
drawn = {which: R.prior_samples(ref, which, n, seed) for which in priors}
if len(priors) == 2:
    st.markdown(
        "The **learned prior** is a Gaussian mixture fitted to the training digits' codes after training (the "
        "aggregate posterior; Ghosh et al. 2020), so its draws land where the decoder learned to draw; it was "
        f"fitted with `python -m vae_core prior --model {ref.name}`. Same seed and count on both sides.")
else:
    st.caption(f"Only N(0, I): no learned prior is stored for this model file. Fit one (a Gaussian mixture on the "
               f"training digits' codes) with `python -m vae_core prior --model {ref.name}`.")
columns = st.columns(len(priors))
for col, which in zip(columns, priors, strict=True):
    with col:
        if len(priors) == 2:
            st.subheader(names[which])
        png = gallery(drawn[which][1], columns=min(10, n), scale=3 if len(priors) == 1 else 2,
                      caption=f"{n} samples from {names[which]}, seed {seed}" if len(priors) == 2 else
                      f"{n} samples, seed {seed}")
        st.download_button(f"Download the {names[which]} gallery (PNG)", png,
                           f"{ref.name}-samples-{which}-seed{seed}.png", "image/png", key=f"download_{which}")

rows = prior_rows(R.metrics(ref))
if rows:
    st.subheader("How an MNIST classifier reads each prior's samples")
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "read (≥0.9)": st.column_config.NumberColumn(
            format="percent", help="share of the samples the shipped classifier reads with confidence ≥ 0.9"),
        **{str(d): st.column_config.NumberColumn(format="percent", help=f"the digit {d}'s share of the confident "
                                                                        "samples") for d in range(10)},
        "FID": st.column_config.NumberColumn(
            format="%.1f", help="Fréchet distance between the classifier's penultimate-layer features of the samples "
                                "and of the test digits (an MNIST FID): lower is closer to real digits")})
    st.caption("Measured by `python -m vae_core evaluate` (or `prior`) on 10,000 draws of each prior.")

with st.expander("The latent points"):
    for which in priors:
        z = drawn[which][0]
        st.caption(names[which])
        st.dataframe({f"z{i + 1}": z[:, i] for i in range(z.shape[1])}, width="stretch", key=f"points_{which}")
