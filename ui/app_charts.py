"""Plotly figures of the applications pages: score distributions, ROC curves, label budgets, rate vs error."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .charts import PALETTE

SET_COLOURS = {"mnist": PALETTE[0], "fashion": PALETTE[1], "noise": PALETTE[2]}
FEATURE_COLOURS = {"latent": PALETTE[0], "pixels": PALETTE[1], "pca": PALETTE[2]}
CLASSIFIER_DASH = {"logistic": "solid", "knn": "dot"}


def score_histograms(scores: dict[str, np.ndarray], labels: dict[str, str], axis_title: str,
                     marker: float | None = None, marker_label: str = "") -> go.Figure:
    """Overlaid, normalised histograms of each set's scores; an optional vertical line (an uploaded image)."""
    fig = go.Figure()
    for name, values in scores.items():
        fig.add_trace(go.Histogram(x=values, name=labels[name], histnorm="probability density", nbinsx=80,
                                   marker_color=SET_COLOURS.get(name), opacity=0.6))
    if marker is not None:
        fig.add_vline(x=marker, line=dict(color="crimson", width=3), annotation_text=marker_label)
    fig.update_layout(barmode="overlay", height=360, margin=dict(t=30, l=10, r=10, b=10), xaxis_title=axis_title,
                      yaxis_title="density", legend=dict(orientation="h", y=1.12))
    return fig


def roc_chart(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], labels: dict[str, str]) -> go.Figure:
    """ROC curves {outlier set: (fpr, tpr, auc)} of MNIST against each, with the chance diagonal."""
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.5)",
                               line=dict(color="gray", dash="dash", width=1)))
    for name, (fpr, tpr, auc) in curves.items():
        fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=f"{labels[name]} (AUC {auc:.3f})",
                                 line=dict(color=SET_COLOURS.get(name), width=2.5)))
    fig.update_xaxes(title_text="false positive rate (MNIST digits flagged)", range=[0, 1])
    fig.update_yaxes(title_text="true positive rate (outliers flagged)", range=[0, 1.02])
    fig.update_layout(height=360, margin=dict(t=30, l=10, r=10, b=10), legend=dict(x=0.35, y=0.1))
    return fig


def accuracy_chart(result: dict, classifier_labels: dict[str, str]) -> go.Figure:
    """Test accuracy against labels per class: one colour per feature, solid = logistic regression, dotted = k-NN."""
    x = result["labels_per_class"]
    fig = go.Figure()
    for feature, curves in result["accuracy"].items():
        for name, values in curves.items():
            fig.add_trace(go.Scatter(
                x=x, y=values, mode="lines+markers", name=f"{result['feature_names'][feature]} · "
                                                          f"{classifier_labels[name]}",
                line=dict(color=FEATURE_COLOURS.get(feature), dash=CLASSIFIER_DASH.get(name), width=2.5),
                hovertemplate="%{x} labels per class: %{y:.1%}<extra>%{fullData.name}</extra>"))
    fig.update_xaxes(title_text="labelled training digits per class", type="category")
    fig.update_yaxes(title_text="test accuracy", tickformat=".0%", rangemode="tozero")
    fig.update_layout(height=420, margin=dict(t=30, l=10, r=10, b=10), legend=dict(orientation="h", y=-0.25))
    return fig


def rate_chart(models: list[dict], baseline: dict, current: str | None = None) -> go.Figure:
    """Bits per image (log) against mean squared error per pixel: PCA codes, each model, PNG (error 0)."""
    pca = baseline["pca"]
    fig = go.Figure(go.Scatter(
        x=[p["bits"] for p in pca], y=[p["mse"] for p in pca], mode="lines+markers+text", name="PCA (float32 code)",
        text=[f"{p['dims']}-d" for p in pca], textposition="top right", line=dict(color="gray", width=1.5),
        hovertemplate="PCA %{text}: %{x:.0f} bits, MSE %{y:.4f}<extra></extra>"))
    for number, m in enumerate(models):
        colour = PALETTE[(number + 3) % len(PALETTE)]
        width = 3 if m["model"] == current else 1
        if m["kl_bits_per_image"] is not None:
            fig.add_trace(go.Scatter(
                x=[m["kl_bits_per_image"]], y=[m["mse_at_kl_rate"]], mode="markers", name=f"{m['model']}: KL rate",
                legendgroup=m["model"], marker=dict(symbol="star", size=16, color=colour, line=dict(width=width)),
                hovertemplate=f"{m['model']}: %{{x:.1f}} bits (KL / ln 2), MSE %{{y:.4f}}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=[m["code_bits_float32"]], y=[m["mse_of_mean"]], mode="markers", name=f"{m['model']}: float32 code",
            legendgroup=m["model"], marker=dict(symbol="diamond", size=12, color=colour, line=dict(width=width)),
            hovertemplate=f"{m['model']}: %{{x:.0f}} bits ({m['latent_dim']} float32), MSE %{{y:.4f}}"
                          "<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[baseline["png_bits_per_image"], baseline["raw_bits_per_image"]], y=[0, 0], mode="markers+text",
        name="lossless (PNG, raw 8-bit)", text=["PNG", "raw"], textposition="top center",
        marker=dict(symbol="square", size=11, color="black"),
        hovertemplate="%{text}: %{x:.0f} bits, error 0<extra></extra>"))
    fig.update_xaxes(title_text="bits per image (log scale)", type="log")
    fig.update_yaxes(title_text="mean squared error per pixel", rangemode="tozero")
    fig.update_layout(height=460, margin=dict(t=30, l=10, r=10, b=10), legend=dict(orientation="h", y=-0.2))
    return fig
