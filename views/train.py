"""Train: start a training run with chosen settings, watch its loss curves live, stop it keeping the best weights."""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import hosting
from ui import training_job as jobs
from ui.charts import loss_curves
from ui.messages import public
from vae_core.config import KINDS, PRECISIONS, RECONSTRUCTION_LOSSES, ModelConfig, TrainConfig
from vae_core.errors import UserError

SEEN_STATE = "train_page_seen_state"  # the last state this session drew, to refresh the app once a run ends
TOKEN_STATE = "train_page_token"  # the training token this session entered (exposed servers)

st.title("Train a model")
st.markdown(
    "Starts `python -m vae_core train …` in a **separate process** (the same command as in a terminal: its lock, "
    "clean-up and atomic save), so the app stays usable while it runs. One training at a time per server; this page "
    "finds a running training again after a reload or from another browser tab. **Stop** ends the run after the "
    "current batch and saves the best weights so far as a complete model. Replacing a model keeps a copy of the old "
    "one in `models/.backup-<name>-<time>/`.")

session = (ctx.session_id if (ctx := get_script_run_ctx()) else "")
who = hosting.from_server(st.session_state.get(TOKEN_STATE, ""))
if who.exposed:
    st.info("This server is shared: everyone sees the runs; only a visitor with the training token may start one, "
            "and only the browser tab that started a run may stop it. Models are never replaced from here.")
    if who.token_configured:
        st.text_input("Training token", type="password", key=TOKEN_STATE)
        if st.session_state.get(TOKEN_STATE) and not who.can_train:
            st.error("That is not the training token.")
    elif not who.can_train:
        st.caption(who.reason)
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
        if hosting.may_stop(who, job.session, session) and st.button(
                "Stop", type="primary", help="end after the current batch; the best weights so far are saved"):
            try:
                st.toast(jobs.stop(job, session, who))
            except UserError as exc:
                st.error(public(exc))
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

if not who.can_train:
    st.stop()

with st.form("train_settings"):
    st.subheader("Start a run")
    c1, c2, c3, c4 = st.columns(4)
    name = c1.text_input("Model name", "mymodel", max_chars=64, help="letters, digits, '-' or '_', starting with a "
                         "letter or digit")
    kind = c2.selectbox("Kind", KINDS, help="vae, or ae: the same layers as a plain autoencoder (no sampling, no KL)")
    latent_dim = c3.number_input("Latent dimensions", **jobs.field_range(ModelConfig, "latent_dim"))
    beta = c4.number_input("β (KL weight)", step=0.5, **jobs.field_range(ModelConfig, "beta"))
    c1, c2, c3, c4 = st.columns(4)
    reconstruction = c1.selectbox("Reconstruction loss", RECONSTRUCTION_LOSSES)
    epochs = c2.number_input("Epochs (at most)", **jobs.field_range(TrainConfig, "epochs"))
    precision = c3.selectbox("Precision", PRECISIONS)
    seed = c4.number_input("Seed", **jobs.field_range(ModelConfig, "seed"))
    c1, c2, c3, c4 = st.columns(4)
    all_train = jobs.field_range(TrainConfig, "train_limit")
    train_limit = c1.number_input("Training digits", **all_train)
    all_test = jobs.field_range(TrainConfig, "test_limit")
    test_limit = c2.number_input("Test digits", **all_test)
    evaluate = c3.checkbox("Evaluate afterwards", True, help="test-set losses, IWAE bound and kNN accuracy into "
                           "metrics.json (a few minutes on a CPU)")
    replace = c4.checkbox("Replace an existing model", False, help="the old folder is copied to "
                          "models/.backup-<name>-<time>/ first") if hosting.may_replace(who) else False
    submitted = st.form_submit_button("Start training", type="primary")

if submitted:
    try:
        settings = jobs.Settings.of(
            name.strip(), evaluate=evaluate, replace=replace, kind=kind, latent_dim=int(latent_dim), beta=float(beta),
            reconstruction=reconstruction, epochs=int(epochs), precision=precision, seed=int(seed),
            train_limit=None if train_limit == all_train["max_value"] else int(train_limit),
            test_limit=None if test_limit == all_test["max_value"] else int(test_limit))
        jobs.start(settings, session, who)
    except UserError as exc:
        st.error(public(exc))
    else:
        st.session_state.pop(SEEN_STATE, None)
        st.rerun()
