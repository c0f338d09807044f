"""The sidebar: pick a model folder, see its config and headline figures."""

from __future__ import annotations

import streamlit as st

from vae_core import store
from vae_core.errors import UserError

from . import links
from .messages import public
from .resources import ModelRef, model_ref

MODEL_KEY = "model_name"


def model_picker(names: list[str]) -> ModelRef | None:
    """Show the model selectbox and summary; return the chosen model, or None (with an error shown).

    Reads the URL first (ui/links): a link's `model=` selects that model, and the choice is put back in the URL."""
    links.arrive(names)
    asked = links.take("model")
    if asked is not None:
        st.session_state[MODEL_KEY] = asked
    elif st.session_state.get(MODEL_KEY) not in names:
        st.session_state[MODEL_KEY] = names[0]
    name = st.sidebar.selectbox("Model", names, key=MODEL_KEY, help="Folders under models/ that hold a model")
    links.share(model=name)
    with st.sidebar:
        links.copy_link()
    try:
        ref = model_ref(name)
        folder = store.model_dir(name)
        saved = store.read_json(folder / store.CONFIG_FILE)
    except (UserError, FileNotFoundError) as exc:
        st.sidebar.error(public(exc))
        return None
    if not isinstance(saved, dict) or not isinstance(saved.get("model"), dict):
        st.sidebar.error(public(f"{folder / store.CONFIG_FILE} has no 'model' object; retrain the model."))
        return None
    _summary(folder, saved, ref.file_hash)
    return ref


def diagnostics() -> None:
    """What this server process holds: how often each model was loaded, and its memory."""
    import psutil

    from .resources import LOAD_COUNTS

    with st.sidebar.expander("Diagnostics"):
        loads = ", ".join(f"{n} ×{c}" for n, c in sorted(LOAD_COUNTS.items())) or "none yet"
        st.caption(f"Model loads in this process: {loads}")
        st.caption(f"Server memory (RSS): {psutil.Process().memory_info().rss / 2**20:.0f} MiB")


def _summary(folder, saved: dict, file_hash: str) -> None:
    model = saved["model"]
    run = saved.get("run") if isinstance(saved.get("run"), dict) else {}
    autoencoder = model.get("kind") == "ae"
    metrics, note = store.read_metrics(folder, file_hash)
    keys = ("reconstruction_loss", "knn_accuracy") if autoencoder else ("negative_elbo", "knn_accuracy", "iwae_bound")
    problem = store.metric_problem(metrics, keys) if metrics else None
    with st.sidebar.container(border=True):
        st.caption("Configuration")
        what = "**autoencoder** (no sampling, no KL)" if autoencoder else f"VAE · β **{model.get('beta')}**"
        st.markdown(
            f"{what} · latent_dim **{model.get('latent_dim')}** · "
            f"loss **{str(model.get('reconstruction', '')).upper()}** · seed {model.get('seed')}")
        if run:
            st.caption(_run_line(run))
        if metrics and not problem:
            cols = st.columns(2)
            if autoencoder:  # no posterior or prior: no ELBO, KL or IWAE bound to show
                cols[0].metric("Test reconstruction", f"{metrics['reconstruction_loss']:.1f}",
                               help="nats per image, lower is better")
            else:
                cols[0].metric("Test −ELBO", f"{metrics['negative_elbo']:.1f}",
                               help="nats per image, lower is better")
            cols[1].metric("kNN accuracy", f"{metrics['knn_accuracy']:.1%}",
                           help="5-nearest-neighbour classifier on latent means (train → test)")
            if not autoencoder:
                st.caption(f"IWAE bound (k={metrics.get('iwae_k')}): {metrics['iwae_bound']:.1f} nats")
        if problem or note:
            st.caption(f":orange[{problem or note}]")


def _number(value, spec: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    try:
        return format(value, spec)
    except ValueError:  # e.g. a float where config.json should hold a count
        return "?"


def _run_line(run: dict) -> str:
    """One line about the training run; a missing or null figure shows as "?", never breaks the sidebar."""
    seconds = run.get("training_seconds")
    minutes = seconds / 60 if isinstance(seconds, int | float) and not isinstance(seconds, bool) else None
    return (f"{_number(run.get('epochs_run'), 'd')} epochs, best {_number(run.get('best_epoch'), 'd')} "
            f"(val loss {_number(run.get('best_val_loss'), '.2f')}), {_number(minutes, '.1f')} min on "
            f"{_number(run.get('train_images'), 'd')} images")
