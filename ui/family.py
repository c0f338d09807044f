"""The model family in the app: resolving several models, their planes, scores and an image through each."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae_core import anomaly, store
from vae_core.errors import UserError
from vae_core.projections import subset_indices

from . import resources as R
from .messages import public

PLANE_POINTS = 2000  # the projections' default point count: shipped models carry these in their folders
PAGE_MODELS = 12  # models a page computes something for in one visit (each may cost seconds the first time)


def page_models() -> tuple[list[str], str | None]:
    """(the store's first PAGE_MODELS models in list order, 'default' first; a one-line note when there are more)."""
    names = store.list_models()
    if len(names) <= PAGE_MODELS:
        return names, None
    return names[:PAGE_MODELS], (f"Showing the first {PAGE_MODELS} of {len(names)} models ('default' first, then "
                                 "by name); pick one in the sidebar to see the others.")


def usable(names: list[str]) -> tuple[list[R.ModelRef], list[str]]:
    """(refs of the models that load, one message per model that does not)."""
    refs, problems = [], []
    for name in names:
        try:
            ref = R.model_ref(name)
            R.loaded(ref)
        except UserError as exc:
            problems.append(f"{name}: {public(exc)}")
            continue
        refs.append(ref)
    return refs, problems


@st.cache_data(show_spinner=False, ttl=30)
def stored_rate_distortion() -> list[dict]:
    """{name, latent_dim, beta, kl, reconstruction} of every VAE in models/ whose metrics.json measured its current
    model file, read from disk (no model is loaded), among the page_models: the rate-distortion chart's store."""
    out = []
    for name in page_models()[0]:
        try:
            ref = R.model_ref(name)
            folder = store.model_dir(name)
            config = store.read_json(folder / store.CONFIG_FILE).get("model", {})
            metrics, _ = store.read_metrics(folder, ref.file_hash)
        except (OSError, UserError, ValueError, AttributeError):
            continue
        if config.get("kind", "vae") == "ae" or not metrics:
            continue
        kl, reconstruction = metrics.get("kl_loss"), metrics.get("reconstruction_loss")
        if isinstance(kl, (int, float)) and isinstance(reconstruction, (int, float)):
            out.append({"name": name, "latent_dim": config.get("latent_dim"), "beta": config.get("beta"),
                        "kl": float(kl), "reconstruction": float(reconstruction)})
    return out


def autoencoders(names: list[str]) -> list[str]:
    """The names whose config.json says kind "ae" (read from disk: no model is loaded for this)."""
    out = []
    for name in names:
        try:
            if store.read_json(store.model_dir(name) / store.CONFIG_FILE).get("model", {}).get("kind") == "ae":
                out.append(name)
        except (OSError, UserError, ValueError, AttributeError):
            continue
    return out


def plane(ref: R.ModelRef, method: str, n: int = PLANE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(test indices (n,), 2-D coordinates (n, 2)) of the same seeded test digits for every model: the raw
    latent means for latent_dim 2, else the chosen projection (disk-cached next to the model)."""
    if R.loaded(ref).config.latent_dim == 2:
        indices = subset_indices(10000, n)
        return indices, R.z_mean(ref)[indices]
    return R.projection(ref.name, ref.file_hash, method, n)


@st.cache_data(show_spinner="Scoring the test digits…", max_entries=16)
def test_scores(name: str, file_hash: str) -> np.ndarray:
    """Each test digit's score (negative ELBO; reconstruction for an AE), one seeded draw, (10000,)."""
    from vae_core.evaluate import score

    reconstruction, kl = R.test_losses(name, file_hash)
    return score(R.loaded(R.ModelRef(name, file_hash)), reconstruction, kl)


def through_every_model(refs: list[R.ModelRef], image: np.ndarray) -> list[dict]:
    """One 28x28 image through each model: its reconstruction, score and percentile among the test digits."""
    rows = []
    for ref in refs:
        mean, back, value = R.describe_digits(ref, image[None])
        scores = test_scores(ref.name, ref.file_hash)
        rows.append({"model": ref.name, "reconstruction": back[0], "score": float(value[0]), "mean": mean[0],
                     "percentile": anomaly.percentile(float(value[0]), scores)})
    return rows
