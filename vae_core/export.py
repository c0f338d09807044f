"""The decoder's weights as one small binary file, for decoders outside Keras (the app's in-browser decoder).

File `models/<name>/cache/decoder-<first 16 hex digits of the model file's SHA-256>.bin`, so a retrained model
never serves stale weights. Framed by vae_core.framing (little-endian, no pickle):

    8 bytes   b"VAEDEC01"
    4 bytes   uint32 H, the length of the JSON header
    H bytes   JSON header (padded with spaces so the tensors start on a 4-byte boundary):
              {"latent_dim", "model_sha256", "tensors": [{"name", "shape", "offset"}]}  (offset in floats)
    float32   the tensors, one after another, and nothing after them

Tensors, in order: dense.kernel (latent_dim, 3136), dense.bias (3136,), then for each Conv2DTranspose
(t1 64 filters stride 2, t2 32 stride 2, t3 1 stride 1; 3x3, "same") its kernel as (3, 3, in, out) — Keras keeps
(3, 3, out, in); in-first lets a decoder sum over output channels contiguously — and its bias (out,).
A file that differs from this layout in any way (types, shapes, offsets, length, a non-finite weight) is rejected
by `from_bytes`, and `export_decoder` writes it again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import store
from .artifacts import LoadedModel
from .files import write_bytes_atomic
from .framing import frame, unframe

MAGIC = b"VAEDEC01"
DENSE = (7, 7, 64)  # the Dense layer's output, reshaped (docs/reference.md §1)
LAYERS = (("t1", 2, 64), ("t2", 2, 32), ("t3", 1, 1))  # the Conv2DTranspose layers: name, stride, filters


def layout(latent_dim: int) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of the file's tensors, in order, for a decoder of `latent_dim`."""
    units = int(np.prod(DENSE))
    shapes = [("dense.kernel", (latent_dim, units)), ("dense.bias", (units,))]
    channels = DENSE[-1]
    for name, _, filters in LAYERS:
        shapes += [(f"{name}.kernel", (3, 3, channels, filters)), (f"{name}.bias", (filters,))]
        channels = filters
    return shapes


def decoder_file(loaded: LoadedModel) -> Path:
    return loaded.folder / store.CACHE_DIR / f"decoder-{loaded.file_hash[:16]}.bin"


def decoder_tensors(loaded: LoadedModel) -> dict[str, np.ndarray]:
    """{name: float32 array} of the decoder's weights in the file's layout."""
    weights = [np.asarray(w, np.float32) for w in loaded.decoder.get_weights()]
    if len(weights) != 8:
        raise ValueError(f"expected the reference decoder's 8 weight arrays, got {len(weights)}")
    tensors = {"dense.kernel": weights[0], "dense.bias": weights[1]}
    for (name, _, _), kernel, bias in zip(LAYERS, weights[2::2], weights[3::2], strict=True):
        tensors[f"{name}.kernel"] = np.ascontiguousarray(kernel.transpose(0, 1, 3, 2))  # (3, 3, in, out)
        tensors[f"{name}.bias"] = bias
    return tensors


def to_bytes(tensors: dict[str, np.ndarray], latent_dim: int, model_sha256: str) -> bytes:
    entries, offset = [], 0
    for name, array in tensors.items():
        entries.append({"name": name, "shape": list(array.shape), "offset": offset})
        offset += array.size
    header = {"latent_dim": latent_dim, "model_sha256": model_sha256, "tensors": entries}
    return frame(header, [np.asarray(a, "<f4") for a in tensors.values()], MAGIC)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def from_bytes(data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, {name: array}) of an exported file's bytes, checked against `layout`.

    Raises:
        ValueError: not an exported decoder file, or one whose header, sizes or weights are not the layout's.
    """
    try:
        header, start = unframe(data, MAGIC)
    except ValueError as exc:
        raise ValueError(f"not a vae_core decoder file: {exc}") from exc
    latent_dim, entries = header.get("latent_dim"), header.get("tensors")
    if not (_whole(latent_dim) and latent_dim >= 1 and isinstance(header.get("model_sha256"), str)):
        raise ValueError("decoder file: latent_dim is not a positive whole number or model_sha256 not a string")
    expected, offset = [], 0
    for name, shape in layout(latent_dim):
        expected.append((name, shape, offset))
        offset += int(np.prod(shape))
    if not isinstance(entries, list) or len(entries) != len(expected):
        raise ValueError(f"decoder file: tensors is not a list of {len(expected)} entries")
    for entry, (name, shape, at) in zip(entries, expected, strict=True):
        ok = (isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get("shape"), list)
              and all(_whole(v) for v in entry["shape"]) and tuple(entry["shape"]) == shape
              and _whole(entry.get("offset")) and entry["offset"] == at)
        if not ok:
            raise ValueError(f"decoder file: tensor entry {entry!r:.80} is not {name} {shape} at {at}")
    if len(data) - start != 4 * offset:
        raise ValueError(f"decoder file: {len(data) - start} bytes of weights, not {4 * offset}")
    floats = np.frombuffer(data, "<f4", offset=start)
    if not np.isfinite(floats).all():
        raise ValueError("decoder file: a weight is not a finite number")
    tensors = {name: floats[at:at + int(np.prod(shape))].reshape(shape) for name, shape, at in expected}
    return header, tensors


def export_decoder(loaded: LoadedModel) -> bytes:
    """The decoder file's bytes: read from the model's cache when it is there and whole, else written there.

    A read-only model folder still gets the bytes, just without the file.
    """
    path = decoder_file(loaded)
    try:
        data = path.read_bytes()
        header, _ = from_bytes(data)
        if header["model_sha256"] == loaded.file_hash and header["latent_dim"] == loaded.config.latent_dim:
            return data
    except (OSError, ValueError):
        pass  # missing, stale or damaged: export again
    data = to_bytes(decoder_tensors(loaded), loaded.config.latent_dim, loaded.file_hash)
    try:
        write_bytes_atomic(path, data)
    except OSError:
        pass
    return data
