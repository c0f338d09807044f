"""Turn a user's image file into an MNIST-like 28x28 digit (Pillow, NumPy, SciPy).

MNIST's convention (LeCun et al.): NIST's binary digits, their stroke width as written, scaled with anti-aliasing
to fit a 20x20 box keeping the aspect ratio, then placed in 28x28 so that the centre of mass sits at pixel (14, 14).
An upload is brought to the same: ink separated from the background, binarised, its stroke width brought to
MNIST's, then scaled down by area averaging (the anti-aliasing) and centred by mass.

Memory is bounded by the file's decoded size, not by a float copy of it: a large image is shrunk (JPEG at decode
time, others strip by strip) to at most WORK_SIDE pixels a side before any float array exists, and all arrays are
float32.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage

from .errors import BadImageError

MAX_BYTES = 10 * 1024 * 1024  # the largest upload accepted (10 MiB)
MAX_PIXELS = 4096 * 4096  # width x height refused before decoding beyond this (decompression bombs)
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
WORK_SIDE = 1024  # longest side kept after decoding: a digit a tenth of the canvas still spans ~100 pixels
INK_THRESHOLD = 0.15  # after background removal, pixels above this count as ink for cropping
MNIST_CENTRE = 14.0  # MNIST's centre of mass (row, column), measured on the 60,000 training digits: 14.00 +- 0.29
BOX = 20  # MNIST's digits fit a 20x20 box
OVERSAMPLE = 4  # the binary digit is drawn at 4x the 20x20 box, then area-averaged down (anti-aliasing)
STROKE = 2.3  # MNIST's median stroke width in pixels of the 28x28 image, measured as in `stroke_width`
_STRIP_ROWS = 64  # rows turned into floats at a time when shrinking (4096 RGBA: 4 MiB of float32)
_ORIENT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def load_digit(source: str | Path | bytes, name: str | None = None) -> np.ndarray:
    """Read an image file (path or bytes) and return a digit (28, 28) float32 in [0, 1].

    Raises:
        BadImageError: not an image, unsupported, too large, unreadable, empty or not one digit.
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
    """Decode the first frame of an image (format from its content), refusing empty, huge, unknown or broken files.

    A JPEG larger than WORK_SIDE is decoded at a reduced scale (1/2 .. 1/8) straight away.
    """
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
            if image.format == "JPEG" and max(image.size) > WORK_SIDE:
                image.draft(image.mode, (image.width * WORK_SIDE // max(image.size),
                                         image.height * WORK_SIDE // max(image.size)))
            image.load()
    except BadImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImageError(f"{label} has too many pixels; the limit is {MAX_PIXELS:,} pixels "
                            "(scale it down first).") from exc
    except UnidentifiedImageError as exc:
        raise BadImageError(f"{label} is not a supported image (PNG, JPEG, GIF, BMP, WebP, TIFF).") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise BadImageError(f"{label} could not be decoded ({exc}); the file may be truncated or corrupt.") from exc
    return image


def to_mnist(image: Image.Image, label: str = "upload") -> np.ndarray:
    """A decoded image -> MNIST-like (28, 28) float32 digit in [0, 1]."""
    ink, found = _ink(_grayscale(image, label), label)  # (h, w) ink level, background 0; where the digit is
    rows = np.flatnonzero(found.any(axis=1))
    cols = np.flatnonzero(found.any(axis=0))
    crop = ink[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    digit = _mnist_box(crop, label)  # (28, 28)
    cy, cx = ndimage.center_of_mass(digit)
    digit = ndimage.shift(digit, (MNIST_CENTRE - cy, MNIST_CENTRE - cx), order=1, mode="constant")
    digit = np.clip(digit, 0.0, None)
    return (digit / max(float(digit.max()), 1e-6)).astype(np.float32)


def _ink(a: np.ndarray, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Grey levels -> (ink level (h, w), 0 on the background, 1 at full ink; mask of clear ink).

    The background is the plane fitted to the border (uneven lighting leans it); the ink is on the side away
    from it; a pixel is clear ink when, smoothed over its neighbours, it stands out of the border's noise.
    """
    h, w = a.shape
    border = np.zeros((h, w), bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    ys, xs = np.nonzero(border)
    design = np.stack([np.ones(len(ys)), ys / h, xs / w], axis=1)
    values = a[border].astype(np.float64)
    keep = np.ones(len(values), bool)
    for _ in range(2):  # fit, then refit without the border pixels the digit itself covers
        coef = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
        off = np.abs(values - design @ coef)
        keep = off <= max(3.0 * 1.4826 * float(np.median(off[keep])), 0.02)
    background = (coef[0] + coef[1] * (np.arange(h) / h)[:, None] + coef[2] * (np.arange(w) / w)[None, :])
    residual = (a - background.astype(np.float32))  # (h, w)
    smooth = ndimage.gaussian_filter(residual, 1.0)  # noise averages out, strokes stay
    if -float(smooth.min()) > float(smooth.max()):  # the ink is darker than the sheet: MNIST is white on black
        residual, smooth = -residual, -smooth
    if float(residual.max()) < INK_THRESHOLD:
        raise BadImageError(f"{label} looks empty: no digit found (the image is one flat colour).")
    # The noise level from neighbours' differences (most pairs lie on flat paper or flat ink), scaled to the smoothing
    noise = 0.282 * 1.4826 * float(np.median(np.abs(np.diff(residual, axis=1)))) / np.sqrt(2.0)
    top = float(smooth.max())
    if top < max(0.5 * INK_THRESHOLD, 6.0 * noise):
        raise BadImageError(f"{label}: no digit stands out of the background's noise (try a cleaner image).")
    found = smooth > max(4.0 * noise, 0.25 * top)
    return np.clip(residual / float(residual[found].max()), 0.0, 1.0), found


def _mnist_box(crop: np.ndarray, label: str) -> np.ndarray:
    """The digit's crop -> binary at 4x the 20x20 box, stroke brought to MNIST's, area-averaged into 28x28."""
    h, w = crop.shape
    side = BOX * OVERSAMPLE
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # (width, height) at 4x
    big = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.BILINEAR if scale > 1 else Image.BOX))
    mask = big > 0.5 * float(big.max())
    if mask.sum() < side:  # less ink than one thin line across the box: specks, not a digit
        raise BadImageError(f"{label} holds no digit: only small marks far apart (one digit, filling most of "
                            "the image, works best).")
    width = stroke_width(mask)
    target = STROKE * OVERSAMPLE
    if width < target:  # too thin: grow the strokes
        mask = ndimage.distance_transform_edt(~mask) <= (target - width) / 2
    elif width > target:  # too bold: thin them, but never below a stroke of MNIST's width
        depth = ndimage.distance_transform_edt(mask)
        mask = depth > min((width - target) / 2, float(depth.max()) - target / 2)
    if not mask.any():
        raise BadImageError(f"{label} has no digit-shaped ink (only specks or a faint smudge).")
    padded = np.zeros((28 * OVERSAMPLE, 28 * OVERSAMPLE), np.float32)
    top, left = (padded.shape[0] - size[1]) // 2, (padded.shape[1] - size[0]) // 2
    padded[top: top + size[1], left: left + size[0]] = mask
    return padded.reshape(28, OVERSAMPLE, 28, OVERSAMPLE).mean(axis=(1, 3))  # area averaging


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width of a binary drawing in pixels: twice the median depth of its medial-axis pixels."""
    depth = ndimage.distance_transform_edt(mask)
    ridge = (depth > 0) & (depth >= ndimage.maximum_filter(depth, size=3))
    return 2.0 * float(np.median(depth[ridge])) if ridge.any() else 0.0


def _grayscale(image: Image.Image, label: str) -> np.ndarray:
    """Any mode -> (H, W) float32 in [0, 1], at most WORK_SIDE a side; transparency is composited onto the side
    that contrasts with the ink.

    The image is shrunk by block averaging, strip by strip, so that no full-size float array is ever made.
    """
    factor = max(1, math.ceil(max(image.size) / WORK_SIDE))
    alpha_mode = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info)
    sums, alphas, peak = [], [], 0.0
    rows = _STRIP_ROWS // factor * factor or factor
    for top in range(0, image.height, rows):
        strip = image.crop((0, top, image.width, min(top + rows, image.height)))
        grey, alpha = _strip_grey(strip, alpha_mode, label)
        peak = max(peak, float(grey.max()))
        sums.append(_block_mean(grey * alpha if alpha is not None else grey, factor))
        if alpha is not None:
            alphas.append(_block_mean(alpha, factor))
    premultiplied = np.concatenate(sums)  # (H / factor, W / factor)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # integer or float levels: scale by the image's range
        top = (65535.0 if peak > 255 else 255.0) if image.mode != "F" else (peak or 1.0)
        premultiplied = np.clip(premultiplied / top, 0.0, 1.0)
    if alphas:
        alpha = np.concatenate(alphas)
        if alpha.min() < 1.0:
            # Opaque strokes on a transparent sheet: the ink is what is opaque, whatever its colour, so put it
            # on a background of the opposite brightness.
            ink = float(premultiplied.sum()) / max(float(alpha.sum()), 1e-6)
            background = 0.0 if ink > 0.5 else 1.0
            premultiplied = premultiplied + background * (1.0 - alpha)
        else:
            premultiplied = premultiplied / np.maximum(alpha, 1e-6)
    orientation = image.getexif().get(0x0112)
    if orientation in _ORIENT:
        premultiplied = np.asarray(Image.fromarray(premultiplied, mode="F").transpose(_ORIENT[orientation]))
    return premultiplied.astype(np.float32, copy=False)


def _strip_grey(strip: Image.Image, alpha_mode: bool, label: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A strip of the image -> (grey (h, w) float32 (0..1, or raw levels for I/F modes), alpha or None)."""
    mode = strip.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        grey = np.asarray(strip, dtype=np.float32)
        if not np.isfinite(grey).all():
            raise BadImageError(f"{label} holds pixel values that are not numbers (NaN or infinity).")
        return np.maximum(grey, 0.0), None
    try:
        if alpha_mode:
            rgba = np.asarray(strip.convert("RGBA"), dtype=np.float32) / 255.0  # (h, w, 4)
            return rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32), rgba[..., 3]
        if mode == "LAB":
            return np.asarray(strip.getchannel(0), dtype=np.float32) / 255.0, None  # L*: the lightness
        return np.asarray(strip.convert("L"), dtype=np.float32) / 255.0, None
    except (ValueError, OSError) as exc:
        raise BadImageError(f"{label} uses a colour mode ({mode}) that cannot be read as grey levels; "
                            "save it as an ordinary RGB or greyscale image.") from exc


def _block_mean(a: np.ndarray, factor: int) -> np.ndarray:
    """Average non-overlapping factor x factor blocks (edges padded by repetition)."""
    if factor == 1:
        return a.astype(np.float32, copy=False)
    h, w = a.shape
    ph, pw = -h % factor, -w % factor
    if ph or pw:
        a = np.pad(a, ((0, ph), (0, pw)), mode="edge")
    return a.reshape(a.shape[0] // factor, factor, a.shape[1] // factor, factor).mean(axis=(1, 3), dtype=np.float32)
