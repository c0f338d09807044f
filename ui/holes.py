"""The prior-holes page's cached densities and its chart: q(z) as a heatmap, the prior's contours, the draws."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from vae_core import holes

from . import resources as R


@st.cache_data(show_spinner="Computing the aggregate posterior's density…", max_entries=16)
def plane(name: str, file_hash: str, dims: tuple[int, int], span: float, n: int) -> dict[str, np.ndarray]:
    stats = R.latent_stats(name, file_hash)
    return holes.plane(stats[:, 0], stats[:, 1], dims, span, n)


def draws_by_density(ref: R.ModelRef, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order densest first, log q at each draw) of prior draws z (M, latent_dim) under the test digits' q(z)."""
    stats = R.latent_stats(ref.name, ref.file_hash)
    return holes.by_density(z, stats[:, 0], stats[:, 1])


def density_chart(grid: dict[str, np.ndarray], dims: tuple[int, int], draws: np.ndarray, log_q: np.ndarray,
                  floor: float, learned: tuple[np.ndarray, np.ndarray] | None = None) -> go.Figure:
    """log q(z) on the plane (values under `floor` drawn as the floor), N(0, I)'s 1-2-3σ contours, and the draws
    (M, 2) coloured by log q at them (M,); `learned`: the learned prior's draws and their log q, drawn as diamonds
    on the same colour scale."""
    axis = grid["axis"]
    names = (f"z{dims[0] + 1}", f"z{dims[1] + 1}")
    fig = go.Figure(go.Heatmap(x=axis, y=axis, z=np.maximum(grid["log_q"], floor), colorscale="Greys",
                               reversescale=False, colorbar=dict(title="log q(z)", x=1.02),
                               hovertemplate=f"{names[0]} %{{x:.2f}}<br>{names[1]} %{{y:.2f}}<br>"
                                             "log q %{z:.2f}<extra></extra>"))
    # N(0, I)'s density in 2-D at radius r is -log(2π) - r²/2: contours at r = 1, 2, 3
    levels = [-np.log(2 * np.pi) - r * r / 2 for r in (3, 2, 1)]
    fig.add_trace(go.Contour(x=axis, y=axis, z=grid["log_p"], showscale=False, hoverinfo="skip",
                             contours=dict(coloring="none", start=levels[0], end=levels[-1],
                                           size=levels[1] - levels[0]),
                             line=dict(color="#1f77b4", width=1.5, dash="dash"), name="N(0, I): 1, 2, 3 σ"))
    sets = [("N(0, I) draws", "circle", 9, "black", draws, log_q)]
    if learned is not None:
        sets.append(("learned prior draws", "diamond", 11, "#1f77b4", *learned))
    # one colour scale for both sets, the same colour the same density whichever prior drew the point; it starts at
    # the map's floor, so a draw in the map's white is at the scale's red end
    values = np.concatenate([s[5] for s in sets])
    high = float(values.max()) if len(values) else floor + 1.0
    low = min(max(float(values.min()), floor), high - 1.0) if len(values) else floor
    for k, (name, symbol, size, edge, xy, colour) in enumerate(sets):
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name=name,
                                 marker=dict(size=size, symbol=symbol, color=colour, colorscale="RdYlGn", cmin=low,
                                             cmax=high, line=dict(width=1.5, color=edge), showscale=k == 0,
                                             colorbar=dict(title="log q at draw", x=1.16)),
                                 hovertemplate=f"log q %{{marker.color:.2f}}<extra>{name}</extra>"))
    fig.update_layout(height=520, margin=dict(l=10, r=10, t=30, b=10), showlegend=learned is not None,
                      legend=dict(orientation="h", y=1.06, x=0),
                      xaxis=dict(title=names[0], range=[axis[0], axis[-1]]),
                      yaxis=dict(title=names[1], range=[axis[0], axis[-1]], scaleanchor="x"))
    return fig


def holes_marginal(ref: R.ModelRef, z: np.ndarray, dims: tuple[int, int]) -> np.ndarray:
    """log of q's marginal over `dims` at the draws z (M, latent_dim): their colour on the plane."""
    stats = R.latent_stats(ref.name, ref.file_hash)
    return holes.log_q(np.asarray(z)[:, list(dims)], stats[:, 0], stats[:, 1], dims)


@st.cache_data(show_spinner=False, max_entries=16)
def _codes_log_q(name: str, file_hash: str, n: int) -> np.ndarray:
    stats = R.latent_stats(name, file_hash)
    return holes.log_q(stats[:n, 0], stats[n:, 0], stats[n:, 1])


def codes_log_q(ref: R.ModelRef, n: int = 1000) -> np.ndarray:
    """log q(z) at the latent means of the first n test digits under the other digits' q(z): how dense the places
    of codes the mixture has not seen are (a digit's own narrow posterior would make its place look denser)."""
    return _codes_log_q(ref.name, ref.file_hash, n)
