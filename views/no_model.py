"""Shown when models/ holds no model: how to train one, and the way to the Train page (or a quick model there)."""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import training_job as jobs
from ui.messages import public
from vae_core.errors import UserError

st.title("No model yet")
st.markdown(
    "The explorer needs a trained VAE in `models/`. Train the reference model (about an hour on a 2-core CPU) "
    "with:\n\n```bash\npython -m vae_core train --name default\n```\n\nor train one from the **Train** page, with "
    "the settings you choose. A **quick model** (5 epochs on 20,000 digits, a few minutes) is good enough to look "
    "around, not to learn from.")
st.page_link("views/train.py", label="Open the Train page", icon=":material/model_training:")
if st.button("Train a quick model", type="primary"):
    ctx = get_script_run_ctx()
    try:
        jobs.start(jobs.QUICK, ctx.session_id if ctx else "")
    except UserError as exc:
        st.error(public(exc))
    else:
        st.switch_page("views/train.py")
