"""The exported decoder file's decoder in plain NumPy (float64 sums): the tests' independent reference for
ui/latent_plane/decoder.js and the export format (the app decodes with vae_core.lean or Keras, never with this).
"""

from __future__ import annotations

import math

import numpy as np


def _conv_transpose(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    """Conv2DTranspose 3x3, "same" padding: x (N, H, W, in), kernel (3, 3, in, out) -> (N, H*stride, W*stride, out).

    Each input pixel (i, j) adds x[i, j] @ kernel[ky, kx] at output (stride*i + ky - p, stride*j + kx - p), with
    p = 0 for stride 2 and p = 1 for stride 1 (TensorFlow's "same" padding for these sizes).
    """
    n, h, w, _ = x.shape
    size_h, size_w, pad = h * stride, w * stride, 1 if stride == 1 else 0
    out = np.zeros((n, size_h + 2, size_w + 2, kernel.shape[-1]), np.float64)  # 2 spare rows/columns at the end
    for ky in range(3):
        for kx in range(3):
            contribution = x.astype(np.float64) @ kernel[ky, kx].astype(np.float64)  # (N, H, W, out)
            out[:, ky:ky + stride * h:stride, kx:kx + stride * w:stride] += contribution
    return out[:, pad:pad + size_h, pad:pad + size_w] + bias


def decode_numpy(tensors: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """The decoder in NumPy (float64 sums): z (N, latent_dim) -> images (N, 28, 28) in (0, 1).

    The sizes come from the tensors' shapes (the shape comments give the reference decoder's), the strides from
    vae_core.export.LAYERS: the dense layer's units are a square grid of t1's input channels.
    """
    z = np.asarray(z, np.float64).reshape(len(z), -1)
    channels = tensors["t1.kernel"].shape[2]
    grid = math.isqrt(tensors["dense.bias"].shape[0] // channels)
    x = np.maximum(z @ tensors["dense.kernel"] + tensors["dense.bias"], 0.0).reshape(-1, grid, grid, channels)
    x = np.maximum(_conv_transpose(x, tensors["t1.kernel"], tensors["t1.bias"], 2), 0.0)  # (N, 14, 14, 64)
    x = np.maximum(_conv_transpose(x, tensors["t2.kernel"], tensors["t2.bias"], 2), 0.0)  # (N, 28, 28, 32)
    x = _conv_transpose(x, tensors["t3.kernel"], tensors["t3.bias"], 1)  # (N, 28, 28, 1)
    return (1.0 / (1.0 + np.exp(-x[..., 0]))).astype(np.float32)
