"""Plotly figures of the comparison and interpolation pages (layout only; the numbers come from vae_core)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .charts import PALETTE, click_grid, projection_scatter

MODEL_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


def planes(panels: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], height: int = 380) -> go.Figure:
    """Latent planes side by side: (title, xy (n, 2), labels (n,), test indices (n,)) per panel, same colours."""
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[0] for p in panels], horizontal_spacing=0.03)
    for col, (title, xy, labels, indices) in enumerate(panels, start=1):
        for trace in projection_scatter(xy, labels, indices, title).data:
            trace.showlegend = col == 1
            fig.add_trace(trace, row=1, col=col)
    fig.update_xaxes(zeroline=False, showticklabels=False)
    fig.update_yaxes(zeroline=False, showticklabels=False)
    fig.update_layout(height=height, margin=dict(t=40, l=10, r=10, b=10),
                      legend=dict(itemsizing="constant", title="label"))
    return fig


def loss_overlay(histories: dict[str, dict], key: str, title: str, log_y: bool = False) -> go.Figure:
    """One history key (e.g. val_loss) of several models on one chart, one colour per model."""
    fig = go.Figure()
    for k, (name, history) in enumerate(histories.items()):
        values = history.get(key) or []
        fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines", name=name,
                                 line=dict(color=MODEL_COLOURS[k % len(MODEL_COLOURS)], width=2)))
    fig.update_layout(height=360, margin=dict(t=40, l=10, r=10, b=10), title=title, hovermode="x unified",
                      xaxis_title="epoch", yaxis_title="nats per image")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def rate_distortion(points: list[tuple[str, float, float]], others: list[tuple[str, float, float]] = (),
                    sweep: list[tuple[float, float, float]] = ()) -> go.Figure:
    """KL (rate) against reconstruction loss (distortion), one labelled point per chosen model; `others`: the
    store's other VAEs, small and grey; `sweep`: (β, rate, distortion) of the latent-2 VAEs, joined in order of β."""
    fig = go.Figure()
    if len(sweep) >= 2:
        sweep = sorted(sweep)
        fig.add_trace(go.Scatter(x=[s[1] for s in sweep], y=[s[2] for s in sweep], mode="lines+text",
                                 # em spaces: the label clears the model's marker drawn over the line's point
                                 text=[f"\u2003β={s[0]:g}" for s in sweep], textposition="middle right",
                                 line=dict(color="rgba(128,128,128,0.6)", dash="dash"), hoverinfo="skip",
                                 textfont=dict(color="gray", size=11)))
    for name, rate, distortion in others:
        fig.add_trace(go.Scatter(x=[rate], y=[distortion], mode="markers+text", text=[name],
                                 textposition="top center", textfont=dict(color="gray", size=11),
                                 marker=dict(size=9, color="rgba(128,128,128,0.7)"),
                                 hovertemplate=f"{name} (not chosen)<br>KL %{{x:.1f}} nats<br>reconstruction "
                                               "%{y:.1f} nats<extra></extra>"))
    for k, (name, rate, distortion) in enumerate(points):
        fig.add_trace(go.Scatter(x=[rate], y=[distortion], mode="markers+text", name=name, text=[name],
                                 textposition="top center",
                                 marker=dict(size=14, color=MODEL_COLOURS[k % len(MODEL_COLOURS)]),
                                 hovertemplate=f"{name}<br>KL %{{x:.1f}} nats<br>reconstruction %{{y:.1f}} nats"
                                               "<extra></extra>"))
    # log rate: the latent-2 models (4-9 nats) and a 16-D low-β model (~100 nats) on one readable axis
    fig.update_layout(height=420, margin=dict(t=30, l=10, r=10, b=10), showlegend=False, xaxis_type="log",
                      xaxis_title="rate: KL(q(z|x) ‖ p(z)), nats per image (log scale)",
                      yaxis_title="distortion: reconstruction loss, nats per image")
    return fig


def paths_on_plane(xy: np.ndarray, labels: np.ndarray, paths: dict[str, np.ndarray], axis_names=("z₁", "z₂"),
                   height: int = 460) -> go.Figure:
    """Test digits' latent means (faded) with latent paths drawn over them, endpoints marked; an invisible grid
    underneath makes a click anywhere a selection event (see charts.click_grid)."""
    span = float(np.ceil(np.abs(xy).max() * 1.05)) if len(xy) else 3.0
    fig = go.Figure([click_grid((-span, span), (-span, span), 61)])
    for digit in range(10):
        mask = labels == digit
        fig.add_trace(go.Scattergl(x=xy[mask, 0], y=xy[mask, 1], mode="markers", name=f"digit {digit}",
                                   marker=dict(size=4, color=PALETTE[digit], opacity=0.35), hoverinfo="skip"))
    styles = {"linear": dict(color="black", dash="solid"), "spherical": dict(color="crimson", dash="dot")}
    for name, points in paths.items():
        fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="lines+markers", name=f"{name} path",
                                 line=dict(width=3, **styles.get(name, {})), marker=dict(size=6)))
    first = next(iter(paths.values()))
    fig.add_trace(go.Scatter(x=first[[0, -1], 0], y=first[[0, -1], 1], mode="markers+text", text=["A", "B"],
                             textposition="top center", name="endpoints",
                             marker=dict(size=16, symbol="star", color="gold", line=dict(width=1, color="black"))))
    fig.update_xaxes(title_text=axis_names[0], range=[-span, span])
    fig.update_yaxes(title_text=axis_names[1], range=[-span, span])
    fig.update_layout(height=height, margin=dict(t=10, l=10, r=10, b=10), legend=dict(itemsizing="constant"),
                      clickmode="event+select", dragmode="pan")
    return fig


def step_change_chart(series: dict[str, np.ndarray]) -> go.Figure:
    """Mean absolute pixel change between consecutive images along each path."""
    fig = go.Figure()
    for k, (name, changes) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=np.arange(1, len(changes) + 1), y=changes, mode="lines+markers", name=name,
                                 line=dict(color=MODEL_COLOURS[k % len(MODEL_COLOURS)], width=2)))
    fig.update_layout(height=300, margin=dict(t=30, l=10, r=10, b=10), xaxis_title="step along the path",
                      yaxis_title="mean |pixel change|", hovermode="x unified")
    return fig


def score_bars(names: list[str], percentiles: list[float]) -> go.Figure:
    """Where an image falls among each model's test digits (percentile of its score; 100 = least typical)."""
    fig = go.Figure(go.Bar(x=names, y=percentiles, marker_color=[MODEL_COLOURS[k % len(MODEL_COLOURS)]
                                                                  for k in range(len(names))],
                           text=[f"{p:.0f}" for p in percentiles], textposition="outside"))
    fig.update_layout(height=300, margin=dict(t=30, l=10, r=10, b=10), yaxis=dict(range=[0, 110]),
                      yaxis_title="percentile among test digits")
    return fig
