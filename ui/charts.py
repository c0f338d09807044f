"""Plotly figure builders (no computation beyond layout); readable in light and dark theme."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from vae_core.history import best_epoch, lr_drop_epochs, smooth

PALETTE = qualitative.Plotly  # 10 qualitative colours, one per digit (docs/reference.md §4.2)
GRID_TRACE = "click anywhere"
DIGIT_TRACE_PREFIX = "digit "
CURRENT_COLOUR = "crimson"  # a clicked point: Plotly's highlight of it


def loss_curves(history: dict, window: int = 7, log_y: bool = False, best: int | None = None) -> go.Figure:
    """Train/validation total, reconstruction and KL per epoch, smoothed totals, LR drops and the best epoch
    (`best`, 1-based: the epoch whose weights were kept, history.kept_epoch; by default found from val_loss)."""
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    panels = [("loss", "Total loss"), ("reconstruction_loss", "Reconstruction"), ("kl_loss", "KL divergence")]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in panels], horizontal_spacing=0.06)
    colours = {"train": PALETTE[0], "val": PALETTE[1]}
    for col, (key, _) in enumerate(panels, start=1):
        for split, prefix in (("train", ""), ("val", "val_")):
            values = history.get(prefix + key)
            if not values:
                continue
            fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines", name=split, legendgroup=split,
                                     showlegend=col == 1, line=dict(color=colours[split], width=1.5),
                                     opacity=0.55 if key == "loss" and window > 1 else 1.0), row=1, col=col)
            if key == "loss" and window > 1:
                fig.add_trace(go.Scatter(x=epochs, y=smooth(values, window), mode="lines",
                                         name=f"{split} (moving average, {window})", legendgroup=split + "s",
                                         line=dict(color=colours[split], width=2.5, dash="dot")), row=1, col=1)
    # The learning-rate drops as dashed lines across every panel, all at once: Plotly's add_vline walks every
    # subplot on each call.
    fig.update_layout(shapes=[
        dict(type="line", xref=f"x{col if col > 1 else ''}", yref=f"y{col if col > 1 else ''} domain", x0=epoch,
             x1=epoch, y0=0, y1=1, line=dict(color="gray", width=1, dash="dash"), opacity=0.45)
        for epoch in lr_drop_epochs(history.get("learning_rate", [])) for col in range(1, len(panels) + 1)])
    best = best if best is not None else best_epoch(history.get("val_loss", []))
    if best is not None and 1 <= best <= len(history.get("val_loss", [])):
        fig.add_trace(go.Scatter(x=[best], y=[history["val_loss"][best - 1]], mode="markers", name=f"best epoch {best}",
                                 marker=dict(symbol="star", size=14, color=PALETTE[2])), row=1, col=1)
    fig.update_xaxes(title_text="epoch")
    if log_y:
        fig.update_yaxes(type="log")
    fig.update_layout(height=420, margin=dict(t=40, l=10, r=10, b=10), hovermode="x unified",
                      legend=dict(orientation="h", y=-0.2))
    return fig


def _digit_traces(xy: np.ndarray, labels: np.ndarray, indices: np.ndarray, size: int = 5,
                  selected: dict | None = None, unselected_opacity: float = 0.8) -> list[go.Scattergl]:
    traces = []
    for digit in range(10):
        mask = labels == digit
        traces.append(go.Scattergl(
            x=xy[mask, 0], y=xy[mask, 1], mode="markers", name=f"{DIGIT_TRACE_PREFIX}{digit}",
            marker=dict(size=size, color=PALETTE[digit], opacity=0.8),
            customdata=np.stack([indices[mask], labels[mask]], axis=1),
            hovertemplate="digit %{customdata[1]} · test #%{customdata[0]}<extra></extra>",
            unselected=dict(marker=dict(opacity=unselected_opacity)),
            selected=dict(marker=selected or dict(opacity=1.0))))
    return traces


def projection_scatter(xy: np.ndarray, labels: np.ndarray, indices: np.ndarray, title: str,
                       height: int = 420) -> go.Figure:
    fig = go.Figure(_digit_traces(xy, labels, indices, size=4))
    fig.update_layout(title=title, height=height, margin=dict(t=40, l=10, r=10, b=10),
                      legend=dict(itemsizing="constant", title="label"))
    return fig


def click_grid(x_range: tuple[float, float], y_range: tuple[float, float], n: int = 81) -> go.Scattergl:
    """An invisible, dense grid of points: Streamlit's selection events report only clicks on points, so this
    trace turns a click on empty space into a selected grid point (spacing = range / (n - 1))."""
    xs = np.linspace(*x_range, n)
    ys = np.linspace(*y_range, n)
    gx, gy = np.meshgrid(xs, ys)
    return go.Scattergl(x=gx.ravel(), y=gy.ravel(), mode="markers", name=GRID_TRACE, showlegend=False,
                        marker=dict(size=9, color="rgba(0,0,0,0)"),
                        hovertemplate="(%{x:.2f}, %{y:.2f})<extra>click to decode</extra>",
                        selected=dict(marker=dict(opacity=1, color=CURRENT_COLOUR, size=11)),
                        unselected=dict(marker=dict(opacity=0)))


def loss_histogram(values: np.ndarray, marker: float, label: str) -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, nbinsx=80, name="test digits", marker_color=PALETTE[0], opacity=0.75))
    fig.add_vline(x=marker, line=dict(color="crimson", width=3), annotation_text=label)
    fig.update_layout(height=300, margin=dict(t=30, l=10, r=10, b=10), xaxis_title="negative ELBO (nats)",
                      yaxis_title="test digits", showlegend=False)
    return fig


def error_map(error: np.ndarray) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=error[::-1], colorscale="Inferno", zmin=0, zmax=1, colorbar=dict(title="|x − x̂|")))
    fig.update_layout(height=260, width=300, margin=dict(t=10, l=10, r=10, b=10))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return fig
