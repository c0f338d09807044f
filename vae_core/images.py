"""Output images: tile digits into a gallery and write PNGs (Pillow), atomically."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from .files import write_bytes_atomic


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float image in [0, 1] -> uint8 (values outside are clipped)."""
    return (np.clip(np.asarray(image, np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def tile(images: np.ndarray, columns: int = 10, pad: int = 2, fill: float = 1.0) -> np.ndarray:
    """(N, H, W) -> one (rows*(H+pad)-pad, columns*(W+pad)-pad) image, row-major, `fill` between tiles."""
    images = np.asarray(images, np.float32)
    n, h, w = images.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad), fill, np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        out[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = image
    return out


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """Encode a grayscale float image in [0, 1] as PNG, optionally enlarged by `scale` (nearest)."""
    pil = Image.fromarray(to_uint8(image), mode="L")
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(path: Path, image: np.ndarray) -> None:
    """Write a grayscale PNG atomically."""
    write_bytes_atomic(Path(path), png_bytes(image))
