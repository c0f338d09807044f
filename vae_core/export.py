"""The decoder's weights as one small binary file, for decoders outside Keras (the app's in-browser decoder).

File `models/<name>/cache/decoder-<first 16 hex digits of the model file's SHA-256>.bin`, so a retrained model
never serves stale weights. Layout (all little-endian, no pickle):

    8 bytes   b"VAEDEC01"
    4 bytes   uint32 H, the length of the JSON header
    H bytes   JSON header (padded with spaces so the tensors start on a 4-byte boundary):
              {"latent_dim", "model_sha256", "tensors": [{"name", "shape", "offset"}]}  (offset in floats)
    float32   the tensors, one after another

Tensors, in order: dense.kernel (latent_dim, 3136), dense.bias (3136,), then for each Conv2DTranspose
(t1 64 filters stride 2, t2 32 stride 2, t3 1 stride 1; 3x3, "same") its kernel as (3, 3, in, out) — Keras keeps
(3, 3, out, in); in-first lets a decoder sum over output channels contiguously — and its bias (out,).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from . import store
from .artifacts import LoadedModel
from .files import write_bytes_atomic

MAGIC = b"VAEDEC01"
LAYERS = (("t1", 2), ("t2", 2), ("t3", 1))  # the Conv2DTranspose layers and their strides (SPEC §1)


def decoder_file(loaded: LoadedModel) -> Path:
    return loaded.folder / store.CACHE_DIR / f"decoder-{loaded.file_hash[:16]}.bin"


def decoder_tensors(loaded: LoadedModel) -> dict[str, np.ndarray]:
    """{name: float32 array} of the decoder's weights in the file's layout."""
    weights = [np.asarray(w, np.float32) for w in loaded.decoder.get_weights()]
    if len(weights) != 8:
        raise ValueError(f"expected the reference decoder's 8 weight arrays, got {len(weights)}")
    tensors = {"dense.kernel": weights[0], "dense.bias": weights[1]}
    for (name, _), kernel, bias in zip(LAYERS, weights[2::2], weights[3::2], strict=True):
        tensors[f"{name}.kernel"] = np.ascontiguousarray(kernel.transpose(0, 1, 3, 2))  # (3, 3, in, out)
        tensors[f"{name}.bias"] = bias
    return tensors


def to_bytes(tensors: dict[str, np.ndarray], latent_dim: int, model_sha256: str) -> bytes:
    entries, offset = [], 0
    for name, array in tensors.items():
        entries.append({"name": name, "shape": list(array.shape), "offset": offset})
        offset += array.size
    header = json.dumps({"latent_dim": latent_dim, "model_sha256": model_sha256, "tensors": entries}).encode()
    header += b" " * (-(len(MAGIC) + 4 + len(header)) % 4)
    body = b"".join(np.ascontiguousarray(a, "<f4").tobytes() for a in tensors.values())
    return MAGIC + struct.pack("<I", len(header)) + header + body


def from_bytes(data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, {name: array}) of an exported file's bytes.

    Raises:
        ValueError: not an exported decoder file, or truncated.
    """
    if data[:8] != MAGIC or len(data) < 12:
        raise ValueError("not a vae_core decoder file")
    (length,) = struct.unpack("<I", data[8:12])
    header = json.loads(data[12:12 + length])
    floats = np.frombuffer(data, "<f4", offset=12 + length)
    tensors = {}
    for entry in header["tensors"]:
        size = int(np.prod(entry["shape"]))
        if entry["offset"] + size > len(floats):
            raise ValueError("decoder file is truncated")
        tensors[entry["name"]] = floats[entry["offset"]:entry["offset"] + size].reshape(entry["shape"])
    return header, tensors


def export_decoder(loaded: LoadedModel) -> bytes:
    """The decoder file's bytes: read from the model's cache when it is there and whole, else written there.

    A read-only model folder still gets the bytes, just without the file.
    """
    path = decoder_file(loaded)
    try:
        data = path.read_bytes()
        header, _ = from_bytes(data)
        if header.get("model_sha256") == loaded.file_hash:
            return data
    except (OSError, ValueError, KeyError):
        pass  # missing or damaged: export again
    data = to_bytes(decoder_tensors(loaded), loaded.config.latent_dim, loaded.file_hash)
    try:
        write_bytes_atomic(path, data)
    except OSError:
        pass
    return data


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
    """The decoder in NumPy (float64 sums): z (N, latent_dim) -> images (N, 28, 28) in (0, 1)."""
    z = np.asarray(z, np.float64).reshape(len(z), -1)
    x = np.maximum(z @ tensors["dense.kernel"] + tensors["dense.bias"], 0.0).reshape(-1, 7, 7, 64)
    x = np.maximum(_conv_transpose(x, tensors["t1.kernel"], tensors["t1.bias"], 2), 0.0)  # (N, 14, 14, 64)
    x = np.maximum(_conv_transpose(x, tensors["t2.kernel"], tensors["t2.bias"], 2), 0.0)  # (N, 28, 28, 32)
    x = _conv_transpose(x, tensors["t3.kernel"], tensors["t3.bias"], 1)  # (N, 28, 28, 1)
    return (1.0 / (1.0 + np.exp(-x[..., 0]))).astype(np.float32)
