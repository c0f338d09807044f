"""Shown when models/ holds no model: how to train one, and a button that trains a quick one."""

import streamlit as st

from ui.training_job import quick_training_panel

st.title("No model yet")
st.markdown(
    "The explorer needs a trained VAE in `models/`. Train the reference model (about an hour on a 2-core CPU) "
    "with:\n\n```bash\npython -m vae_core train --name default\n```\n\nor start a **quick model** here "
    "(a few epochs on part of MNIST, a few minutes): good enough to look around, not to learn from.")
quick_training_panel()
