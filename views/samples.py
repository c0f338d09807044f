"""Random samples: what the decoder makes of draws from the prior."""

import streamlit as st

from ui import resources as R
from ui.current import current_model
from ui.widgets import gallery

st.title("Random samples")
st.markdown(
    "Each image is the decoder's output for a random **z ~ N(0, I)**, the prior the KL term pulled the codes "
    "towards. A plain autoencoder has no such prior, so it cannot generate like this. Change the count or the "
    "seed, or press **Resample**.")

ref = current_model()
st.session_state.setdefault("sample_seed", 0)
c1, c2, c3 = st.columns([2, 1, 1])
n = c1.slider("How many", 1, 100, 20)
c2.number_input("Seed", 0, 2**31 - 1, key="sample_seed")
c3.button("Resample", type="primary",
          on_click=lambda: st.session_state.update(sample_seed=st.session_state["sample_seed"] + 1))
z, images = R.samples(ref, n, int(st.session_state["sample_seed"]))
png = gallery(images, columns=min(10, n), scale=3, caption=f"{n} samples, seed {st.session_state['sample_seed']}")
st.download_button("Download the gallery (PNG)", png, f"{ref.name}-samples-seed{st.session_state['sample_seed']}.png",
                   "image/png")
with st.expander("The latent points"):
    st.dataframe({f"z{i + 1}": z[:, i] for i in range(z.shape[1])}, width="stretch")
