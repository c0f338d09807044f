"""Train: start a training run with chosen settings, watch its loss curves live, stop it keeping the best weights."""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import training_job as jobs
from ui.charts import loss_curves
from vae_core.config import KINDS, PRECISIONS, RECONSTRUCTION_LOSSES
from vae_core.errors import UserError

SEEN_STATE = "train_page_seen_state"  # the last state this session drew, to refresh the app once a run ends

st.title("Train a model")
st.markdown(
    "Starts `python -m vae_core train …` in a **separate process** (the same command as in a terminal: its lock, "
    "clean-up and atomic save), so the app stays usable while it runs. One training at a time per server; this page "
    "finds a running training again after a reload or from another browser tab. **Stop** ends the run after the "
    "current batch and saves the best weights so far as a complete model.")

session = (ctx.session_id if (ctx := get_script_run_ctx()) else "")
job = jobs.current()


@st.fragment(run_every=1.0)
def watch() -> None:
    job = jobs.current()
    if job is None:
        return
    status = jobs.status(job)
    title = f"Model **{job.settings.name}** · {job.settings.describe()}"
    if job.session and job.session != session and status.running:
        title += " · started from another browser session"
    st.markdown(title)
    if status.running:
        st.progress(status.fraction, text=status.message)
        if st.button("Stop", type="primary", help="end after the current batch; the best weights so far are saved"):
            st.toast(jobs.stop(job))
    elif status.state in ("done", "stopped"):
        result = status.result or {}
        best = f", best validation loss {result['best_val_loss']:.2f} at epoch {result['best_epoch']}" if result.get(
            "best_val_loss") is not None else ""
        how = "Stopped on request; the best weights so far were saved" if status.state == "stopped" else "Finished"
        st.success(f"{how}: model {job.settings.name!r}, {result.get('epochs_run', '?')} epochs{best}.")
    elif status.state == "failed":
        st.error(f"Training failed: {status.error}")
    else:
        st.info(status.message)
    if status.history.get("loss"):
        st.plotly_chart(loss_curves(status.history, window=1), width="stretch", key="live_loss_curves")
    if st.session_state.get(SEEN_STATE, status.state) != status.state and not status.running:
        st.session_state[SEEN_STATE] = status.state
        st.rerun(scope="app")  # the run ended: the model picker and the form see the new state
    st.session_state[SEEN_STATE] = status.state


if job is not None:
    watch()

with st.form("train_settings"):
    st.subheader("Start a run")
    c1, c2, c3, c4 = st.columns(4)
    name = c1.text_input("Model name", "mymodel", max_chars=64, help="letters, digits, '-' or '_'")
    kind = c2.selectbox("Kind", KINDS, help="vae, or ae: the same layers as a plain autoencoder (no sampling, no KL)")
    latent_dim = c3.number_input("Latent dimensions", 1, 64, 2)
    beta = c4.number_input("β (KL weight)", 0.0, 1e4, 1.0, step=0.5, help="1 = the plain ELBO; ignored by an ae")
    c1, c2, c3, c4 = st.columns(4)
    reconstruction = c1.selectbox("Reconstruction loss", RECONSTRUCTION_LOSSES)
    epochs = c2.number_input("Epochs (at most)", 1, 10_000, 30, help="early stopping may end the run sooner")
    precision = c3.selectbox("Precision", PRECISIONS)
    seed = c4.number_input("Seed", 0, 2**31 - 1, 42)
    c1, c2, c3, c4 = st.columns(4)
    train_limit = c1.number_input("Training digits", 1, 60_000, 60_000, help="the first N of MNIST's 60,000")
    test_limit = c2.number_input("Validation digits", 1, 10_000, 10_000, help="the first N of the 10,000 test digits")
    evaluate = c3.checkbox("Evaluate afterwards", True, help="test-set losses, IWAE bound and kNN accuracy into "
                           "metrics.json (a few minutes on a CPU)")
    replace = c4.checkbox("Replace an existing model", False)
    submitted = st.form_submit_button("Start training", type="primary")

if submitted:
    settings = jobs.Settings(
        name=name.strip(), kind=kind, latent_dim=int(latent_dim), beta=float(beta), reconstruction=reconstruction,
        epochs=int(epochs), precision=precision, seed=int(seed),
        train_limit=None if train_limit == 60_000 else int(train_limit),
        test_limit=None if test_limit == 10_000 else int(test_limit), evaluate=evaluate, replace=replace)
    try:
        jobs.start(settings, session)
    except UserError as exc:
        st.error(str(exc))
    else:
        st.session_state.pop(SEEN_STATE, None)
        st.rerun()
