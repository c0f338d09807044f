"""Turn a user's image file into an MNIST-like 28x28 digit (Pillow, NumPy, SciPy).

MNIST's convention (LeCun et al.): white ink on black, the digit scaled to fit a 20x20 box keeping its
aspect ratio, then placed in 28x28 so that its centre of mass sits at pixel (14, 14).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from .errors import BadImageError

MAX_BYTES = 10 * 1024 * 1024  # the largest upload accepted (10 MiB)
MAX_PIXELS = 4096 * 4096  # width x height refused before decoding beyond this (decompression bombs)
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
INK_THRESHOLD = 0.15
# MNIST's centre of mass sits at pixel (14, 14) (row, column; measured on the 60,000 training digits: 14.00 +- 0.29)
MNIST_CENTRE = 14.0  # after background removal, pixels above this count as ink for cropping


def load_digit(source: str | Path | bytes, name: str | None = None) -> np.ndarray:
    """Read an image file (path or bytes) and return a digit (28, 28) float32 in [0, 1].

    Raises:
        BadImageError: not an image, unsupported, too large, unreadable or empty.
    """
    label = name or (str(source) if not isinstance(source, bytes) else "upload")
    raw = source if isinstance(source, bytes) else _read_file(Path(source))
    return to_mnist(open_image(raw, label), label)


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BadImageError(f"{path} is {size / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB.")
        return path.read_bytes()
    except OSError as exc:
        raise BadImageError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def open_image(raw: bytes, label: str = "upload") -> Image.Image:
    """Decode the first frame of an image, refusing empty, huge, unknown or broken files."""
    if not raw:
        raise BadImageError(f"{label} is empty (0 bytes).")
    if len(raw) > MAX_BYTES:
        raise BadImageError(f"{label} is {len(raw) / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=FORMATS)  # reads the header only
            if image.width * image.height > MAX_PIXELS:
                raise BadImageError(
                    f"{label} is {image.width}x{image.height} pixels; the limit is {MAX_PIXELS:,} pixels "
                    "(scale it down first).")
            image.seek(0)  # first frame of an animation
            image.load()
    except BadImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImageError(f"{label} has too many pixels; the limit is {MAX_PIXELS:,} pixels "
                            "(scale it down first).") from exc
    except UnidentifiedImageError as exc:
        raise BadImageError(f"{label} is not a supported image (PNG, JPEG, GIF, BMP, WebP, TIFF).") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadImageError(f"{label} could not be decoded ({exc}); the file may be truncated or corrupt.") from exc
    return image


def _grayscale(image: Image.Image) -> np.ndarray:
    """Any mode -> (H, W) float in [0, 1]; transparency is composited onto the side that contrasts with the ink."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(image, dtype=np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        return np.clip(a / top, 0.0, 1.0)
    if image.mode == "F":
        a = np.asarray(image, dtype=np.float64)
        return np.clip(a / (a.max() or 1.0), 0.0, 1.0)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
        gray = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])
        alpha = rgba[..., 3]
        if alpha.min() < 1.0:
            # Opaque strokes on a transparent sheet: the ink is what is opaque, whatever its colour, so put it
            # on a background of the opposite brightness.
            ink = (gray * alpha).sum() / max(alpha.sum(), 1e-9)
            background = 0.0 if ink > 0.5 else 1.0
            return gray * alpha + background * (1.0 - alpha)
        return gray
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def to_mnist(image: Image.Image, label: str = "upload") -> np.ndarray:
    """A decoded image -> MNIST-like (28, 28) float32 digit in [0, 1]."""
    a = _grayscale(image)
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # dark ink on a light sheet: invert to MNIST's white on black
        a, background = 1.0 - a, 1.0 - background
    a = np.clip((a - background) / max(1.0 - background, 1e-9), 0.0, 1.0)
    if a.max() < INK_THRESHOLD:
        raise BadImageError(f"{label} looks empty: no digit found (the image is one flat colour).")
    rows = np.flatnonzero((a > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((a > INK_THRESHOLD).any(axis=0))
    crop = a[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = Image.fromarray((crop * 255).astype(np.uint8), mode="L").resize(size, Image.LANCZOS)
    digit = np.zeros((28, 28), np.float64)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    digit[top: top + size[1], left: left + size[0]] = np.asarray(small, np.float64) / 255.0
    cy, cx = ndimage.center_of_mass(digit)
    digit = ndimage.shift(digit, (MNIST_CENTRE - cy, MNIST_CENTRE - cx), order=1, mode="constant")
    digit = np.clip(digit, 0.0, None)
    return (digit / max(digit.max(), 1e-9)).astype(np.float32)
