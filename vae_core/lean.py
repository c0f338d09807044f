"""Inference without TensorFlow: the project's saved Keras models run in NumPy over their own weights.

The app's server encodes, decodes and reads digits with this module, so it never imports TensorFlow (hundreds of
MiB per process); training and the CLI commands that compute new results keep Keras. Written here rather than
taken from a library: the models are four layer types (Conv2D, Conv2DTranspose, Dense, MaxPooling2D) of
docs/reference.md §1 and the classifier, onnxruntime would add a dependency and an export step, and `tests/test_lean.py`
holds every shipped model to Keras's outputs.

A `.keras` file is a zip of config.json (the architecture) and model.weights.h5 (the weights, read with h5py;
nothing is unpickled). Only the architectures this project builds load: any other layer, activation or order is
refused with ModelLoadError, so the NumPy graph is always the one Keras would run. Padding follows TensorFlow's
"same": for a stride-2 3x3 convolution the one padded row and column go at the bottom and the right.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import ModelLoadError

# a layer's folder in model.weights.h5 is its class's snake_case name, numbered per name in the model's layer order
_H5_NAMES = {"InputLayer": "input_layer", "Conv2D": "conv2d", "Conv2DTranspose": "conv2d_transpose",
             "Dense": "dense", "Flatten": "flatten", "Reshape": "reshape", "MaxPooling2D": "max_pooling2d",
             "Dropout": "dropout", "Sampling": "sampling"}
ENCODER = ("InputLayer", "Conv2D", "Conv2D", "Flatten", "Dense", "Dense")  # the VAE adds Dense (log-var), Sampling
DECODER = ("InputLayer", "Dense", "Reshape", "Conv2DTranspose", "Conv2DTranspose", "Conv2DTranspose")
CLASSIFIER = ("InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense", "Dense")
_ACTIVATIONS = ("linear", "relu", "sigmoid", "softmax")


@dataclass(frozen=True)
class Layer:
    """One layer: its Keras class name, its Keras config and its weights (kernel, bias) or ()."""

    class_name: str
    config: dict
    weights: tuple[np.ndarray, ...]


def _same_padding(size: int, stride: int, k: int) -> tuple[int, int]:
    """TensorFlow's "same" padding (before, after) of one axis: the odd row goes after."""
    total = max((-(-size // stride) - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int, padding: str) -> np.ndarray:
    """Keras Conv2D: x (N, H, W, C), kernel (k, k, C, out) -> (N, H', W', out), as one matrix product (im2col)."""
    k = kernel.shape[0]
    if padding == "same":
        (top, bottom), (left, right) = _same_padding(x.shape[1], stride, k), _same_padding(x.shape[2], stride, k)
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    patches = sliding_window_view(x, (k, k), axis=(1, 2))[:, ::stride, ::stride]  # (N, H', W', C, k, k)
    n, h, w = patches.shape[:3]
    columns = patches.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, -1)  # (N*H'*W', k*k*C), kernel's order
    return (columns @ kernel.reshape(-1, kernel.shape[-1]) + bias).reshape(n, h, w, -1)


def conv2d_transpose(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    """Keras Conv2DTranspose, "same" padding: x (N, H, W, in), kernel (k, k, out, in) -> (N, H*s, W*s, out).

    The gradient of the strided convolution: input pixel (i, j) adds x[i, j] @ kernel[ky, kx] at output
    (s*i + ky - before, s*j + kx - before), `before` being that convolution's "same" padding before the data.
    """
    k, _, out, _ = kernel.shape
    n, h, w, _ = x.shape
    before, _ = _same_padding(h * stride, stride, k)
    taps = x.reshape(-1, x.shape[-1]) @ kernel.transpose(3, 0, 1, 2).reshape(x.shape[-1], -1)  # (N*H*W, k*k*out)
    taps = taps.reshape(n, h, w, k, k, out)
    full = np.zeros((n, stride * (h - 1) + k, stride * (w - 1) + k, out), np.float32)
    for ky in range(k):
        for kx in range(k):
            full[:, ky:ky + stride * h:stride, kx:kx + stride * w:stride] += taps[:, :, :, ky, kx]
    return full[:, before:before + h * stride, before:before + w * stride] + bias


def max_pool(x: np.ndarray) -> np.ndarray:
    """MaxPooling2D 2x2, stride 2, "valid": an odd last row or column is dropped."""
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def activate(x: np.ndarray, name: str) -> np.ndarray:
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "sigmoid":
        e = np.exp(-np.abs(x))  # never overflows; each branch keeps full relative precision near 0 and 1
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return x


def run(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    """Apply a chain of layers (Dropout is the identity at inference)."""
    for layer in layers:
        c = layer.config
        if layer.class_name == "Conv2D":
            x = conv2d(x, *layer.weights, c["strides"][0], c["padding"])
        elif layer.class_name == "Conv2DTranspose":
            x = conv2d_transpose(x, *layer.weights, c["strides"][0])
        elif layer.class_name == "Dense":
            x = x @ layer.weights[0] + layer.weights[1]
        elif layer.class_name == "MaxPooling2D":
            x = max_pool(x)
        elif layer.class_name == "Flatten":
            x = x.reshape(len(x), -1)
        elif layer.class_name == "Reshape":
            x = x.reshape(len(x), *c["target_shape"])
        if "activation" in c:
            x = activate(x, c["activation"])
    return x


def read_keras(path: Path | str) -> tuple[dict, h5py.File]:
    """(config.json, the open weights file) of a `.keras` zip.

    Raises:
        ModelLoadError: not a readable .keras file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"Could not read {path} ({exc}); retrain the model.") from exc
    return config, weights


def layers_of(model_config: dict, group: h5py.Group, expected: tuple[str, ...], path: Path | str) -> list[Layer]:
    """The layers of one Keras model config with their weights from `group`, checked against `expected` classes.

    Raises:
        ModelLoadError: other layers than `expected`, an unknown activation or padding, or missing weights.
    """
    def refuse(why: str) -> ModelLoadError:
        return ModelLoadError(f"{path} is not a model this project built ({why}); retrain the model.")

    specs = model_config.get("config", {}).get("layers", [])
    class_names = tuple(spec.get("class_name") for spec in specs)
    if class_names != expected:
        raise refuse(f"layers {', '.join(map(str, class_names))}")
    counts: dict[str, int] = {}
    layers = []
    for class_name, spec in zip(class_names, specs, strict=True):
        if class_name == "InputLayer":
            continue
        folder = _H5_NAMES[class_name] + (f"_{counts[class_name]}" if counts.get(class_name) else "")
        counts[class_name] = counts.get(class_name, 0) + 1
        config = spec["config"]
        if config.get("activation", "linear") not in _ACTIVATIONS:
            raise refuse(f"activation {config['activation']}")
        padding = config.get("padding")
        if class_name in ("Conv2D", "Conv2DTranspose") and (padding not in ("same", "valid") or (
                class_name == "Conv2DTranspose" and padding != "same") or config.get("dilation_rate") != [1, 1]):
            raise refuse(f"{class_name} padding {padding}")
        if class_name == "MaxPooling2D" and (config.get("pool_size") != [2, 2] or config.get("strides") != [2, 2]):
            raise refuse("pooling other than 2x2")
        vars_ = group.get(f"layers/{folder}/vars")
        if vars_ is None:
            raise refuse(f"no weights for {folder}")
        weights = tuple(np.asarray(vars_[str(i)], np.float32) for i in range(len(vars_)))
        if class_name in ("Conv2D", "Conv2DTranspose", "Dense") and len(weights) != 2:
            raise refuse(f"{folder} without a bias")
        layers.append(Layer(class_name, {**config, "name": spec.get("name", config.get("name"))}, weights))
    return layers


class LeanVAE:
    """A saved VAE's encoder and decoder in NumPy, with generate.FastModel's interface (float32 throughout)."""

    def __init__(self, path: Path | str, batch: int = 256):
        config, weights = read_keras(path)
        with weights:
            inner = config.get("config", {})
            if config.get("class_name") != "VAE" or "encoder" not in inner or "decoder" not in inner:
                raise ModelLoadError(f"{path} holds no vae_core VAE; retrain the model.")
            self.deterministic = inner.get("kind") == "ae"
            expected = ENCODER if self.deterministic else (*ENCODER, "Dense", "Sampling")
            encoder = layers_of(inner["encoder"], weights["encoder"], expected, path)
            self._decoder = layers_of(inner["decoder"], weights["decoder"], DECODER, path)
        heads = {layer.config["name"]: layer for layer in encoder[3:] if layer.class_name == "Dense"}
        if "z_mean" not in heads or (not self.deterministic and "z_log_var" not in heads):
            raise ModelLoadError(f"{path}: the encoder has no z_mean / z_log_var heads; retrain the model.")
        self._trunk, self._mean, self._log_var = encoder[:4], heads["z_mean"], heads.get("z_log_var")
        self.latent_dim = int(self._decoder[0].weights[0].shape[0])
        self.code_dim = int(self._mean.weights[0].shape[1])
        self.batch = batch  # bounds the activations one call holds (a 10,000-image decode would hold ~1 GB)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z (N, latent_dim) -> images (N, 28, 28) float32 in (0, 1); `batch` points at a time."""
        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        parts = [run(self._decoder, z[i:i + self.batch])[..., 0] for i in range(0, len(z), self.batch)]
        return np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.float32)

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """images (N, 28, 28[, 1]) -> (z_mean, z_log_var), each (N, latent_dim); an AE's log-variance is -inf."""
        x = np.asarray(x, np.float32).reshape(-1, 28, 28, 1)
        means, log_vars = [], []
        for start in range(0, len(x), self.batch):
            h = run(self._trunk, x[start:start + self.batch])  # (n, 16)
            means.append(run([self._mean], h))
            log_vars.append(np.full_like(means[-1], -np.inf) if self._log_var is None else run([self._log_var], h))
        if not means:
            empty = np.zeros((0, self.code_dim), np.float32)
            return empty, empty
        return np.concatenate(means), np.concatenate(log_vars)

    def decoder_weights(self) -> list[np.ndarray]:
        """The decoder's weights in Keras's `get_weights()` order (kernel, bias of each layer)."""
        return [w for layer in self._decoder for w in layer.weights]


class LeanClassifier:
    """The digit classifier (vae_core.classifier) in NumPy: images (N, 28, 28, 1) -> softmax (N, 10)."""

    def __init__(self, path: Path | str):
        config, weights = read_keras(path)
        with weights:
            if config.get("class_name") != "Sequential":
                raise ModelLoadError(f"{path} holds no digit classifier; train it again.")
            self._layers = layers_of(config, weights, CLASSIFIER, path)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return run(self._layers, np.asarray(x, np.float32).reshape(-1, 28, 28, 1))  # (N, 10)

    def features(self, x: np.ndarray) -> np.ndarray:
        """(N, F) activations of the last hidden layer (every layer but the softmax): the FID's features."""
        return run(self._layers[:-1], np.asarray(x, np.float32).reshape(-1, 28, 28, 1))
