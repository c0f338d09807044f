"""The sidebar: pick a model folder, see its config and headline figures."""

from __future__ import annotations

import streamlit as st

from vae_core import store
from vae_core.errors import UserError

from .resources import ModelRef, model_ref

MODEL_KEY = "model_name"


def model_picker(names: list[str]) -> ModelRef | None:
    """Show the model selectbox and summary; return the chosen model, or None (with an error shown)."""
    if st.session_state.get(MODEL_KEY) not in names:
        st.session_state[MODEL_KEY] = names[0]
    name = st.sidebar.selectbox("Model", names, key=MODEL_KEY, help="Folders under models/ that hold a model")
    try:
        ref = model_ref(name)
        folder = store.model_dir(name)
        saved = store.read_json(folder / store.CONFIG_FILE)
    except (UserError, FileNotFoundError) as exc:
        st.sidebar.error(str(exc))
        return None
    _summary(folder, saved)
    return ref


def diagnostics() -> None:
    """What this server process holds: how often each model was loaded, and its memory."""
    import psutil

    from .resources import LOAD_COUNTS

    with st.sidebar.expander("Diagnostics"):
        loads = ", ".join(f"{n} ×{c}" for n, c in sorted(LOAD_COUNTS.items())) or "none yet"
        st.caption(f"Model loads in this process: {loads}")
        st.caption(f"Server memory (RSS): {psutil.Process().memory_info().rss / 2**20:.0f} MiB")


def _summary(folder, saved: dict) -> None:
    model = saved.get("model", {})
    run = saved.get("run", {})
    try:
        metrics = store.read_json(folder / store.METRICS_FILE)
    except (FileNotFoundError, UserError):
        metrics = {}
    with st.sidebar.container(border=True):
        st.caption("Configuration")
        st.markdown(
            f"latent_dim **{model.get('latent_dim')}** · β **{model.get('beta')}** · "
            f"loss **{str(model.get('reconstruction', '')).upper()}** · seed {model.get('seed')}")
        if run:
            st.caption(
                f"{run.get('epochs_run')} epochs, best {run.get('best_epoch')} "
                f"(val loss {run.get('best_val_loss', float('nan')):.2f}), "
                f"{run.get('training_seconds', 0) / 60:.1f} min on {run.get('train_images')} images")
        if metrics:
            cols = st.columns(2)
            cols[0].metric("Test −ELBO", f"{metrics['negative_elbo']:.1f}", help="nats per image, lower is better")
            cols[1].metric("kNN accuracy", f"{metrics['knn_accuracy']:.1%}",
                           help="5-nearest-neighbour classifier on latent means (train → test)")
            st.caption(f"IWAE bound (k={metrics.get('iwae_k')}): {metrics['iwae_bound']:.1f} nats")
