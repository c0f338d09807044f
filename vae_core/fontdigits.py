"""Digits that are not from MNIST: typed in the machine's fonts, rendered with Pillow as image files a user
might upload (varied sizes, weights, slants, canvases, colours, margins and formats).

`font_digits(n, seed)` is deterministic for a given seed, font set and Pillow version; the benchmark and the
tests use it to measure how faithfully uploads are preprocessed and reconstructed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage

FONT_DIRS = (Path("/usr/share/fonts"),)
# Debian packages that provide them (scripts/setup.sh --dev installs these): fonts-dejavu-core/-extra,
# fonts-liberation, fonts-freefont-ttf. Without any, Pillow's own bundled font is used.
FORMATS = ("PNG", "PNG-RGBA", "JPEG", "WEBP", "BMP")


@dataclass(frozen=True)
class FontDigit:
    label: int  # the digit drawn, 0-9
    data: bytes  # the encoded image file, as uploaded
    font: str  # font file name ("pillow-default" for the bundled one)
    style: str  # a short description: format, polarity, canvas, distortions


def font_files() -> list[Path]:
    """The TrueType/OpenType fonts installed on this machine, in a fixed order."""
    found = {p for d in FONT_DIRS if d.is_dir() for ext in ("*.ttf", "*.otf") for p in d.rglob(ext)}
    return sorted(found, key=lambda p: p.name)


def font_digits(n: int = 400, seed: int = 0, fonts: list[Path] | None = None) -> list[FontDigit]:
    """n images of the digits 0-9 in turn, each a different random draw of font and style."""
    fonts = font_files() if fonts is None else fonts
    return [render_digit(i % 10, np.random.default_rng([seed, i]), fonts) for i in range(n)]


def render_digit(label: int, rng: np.random.Generator, fonts: list[Path]) -> FontDigit:
    """One digit as an image file; every choice comes from `rng`."""
    width, height = (int(v) for v in np.exp(rng.uniform(np.log(24), np.log(420), size=2)))
    width = int(np.clip(width, height // 2, height * 2))
    glyph_height = height * rng.uniform(0.35, 0.8)
    font_index = int(rng.integers(len(fonts))) if fonts else -1
    font = _font(fonts[font_index] if fonts else None, max(8, int(glyph_height * 1.3)))
    stroke = int(rng.choice([0, 0, 0, 1, 2])) * max(1, int(glyph_height) // 40)  # bolder than the font's weight

    # Draw white-on-black ink on a canvas twice as large, then distort it like a hand might.
    big = Image.new("L", (2 * width, 2 * height), 0)
    offset = rng.uniform(-0.1, 0.1, size=2) * (width, height)
    ImageDraw.Draw(big).text((width + offset[0], height + offset[1]), str(label), fill=255, font=font, anchor="mm",
                             stroke_width=stroke, stroke_fill=255)
    notes = []
    if rng.random() < 0.5:
        angle, shear = rng.uniform(-12, 12), rng.uniform(-0.25, 0.25)
        big = _affine(big, angle, shear, rng.uniform(0.9, 1.1))
        notes.append(f"rot{angle:+.0f} shear{shear:+.2f}")
    ink = big.crop((width // 2, height // 2, width // 2 + width, height // 2 + height))
    if ink.getbbox() is None:  # the distortion pushed the glyph off the canvas: draw it plainly instead
        ink = Image.new("L", (width, height), 0)
        ImageDraw.Draw(ink).text((width / 2, height / 2), str(label), fill=255, font=font, anchor="mm")
    if rng.random() < 0.3:
        ink = _wobble(ink, rng, glyph_height)
        notes.append("wobble")
    if rng.random() < 0.15 and glyph_height > 40:  # (a small glyph would vanish)
        ink = ink.filter(ImageFilter.MinFilter(3))  # thinner than the font's weight
        notes.append("thin")
    if rng.random() < 0.3:
        radius = rng.uniform(0.5, 2.0) * glyph_height / 100
        ink = ink.filter(ImageFilter.GaussianBlur(radius))
        notes.append(f"blur{radius:.1f}")
    alpha = np.asarray(ink, np.float32) / 255.0  # (H, W) ink coverage

    fmt = FORMATS[int(rng.integers(len(FORMATS)))]
    ink_rgb, paper_rgb, polarity = _colours(rng)
    if fmt == "PNG-RGBA":
        rgba = np.empty((height, width, 4), np.uint8)
        rgba[..., :3] = ink_rgb
        rgba[..., 3] = np.round(alpha * 255)
        image = Image.fromarray(rgba, "RGBA")
        polarity = "on transparent"
    else:
        rgb = alpha[..., None] * ink_rgb + (1 - alpha[..., None]) * paper_rgb  # (H, W, 3)
        if rng.random() < 0.2:  # uneven lighting, as in a photo of paper
            ramp = np.linspace(-1, 1, width)[None, :, None] * rng.uniform(20, 60)
            rgb = rgb + ramp * (1 - alpha[..., None])
            notes.append("lighting")
        if rng.random() < 0.25:
            rgb = rgb + rng.normal(0, rng.uniform(4, 20), size=rgb.shape)
            notes.append("noise")
        image = Image.fromarray(np.clip(np.round(rgb), 0, 255).astype(np.uint8), "RGB")
        if rng.random() < 0.5:
            image = image.convert("L")
    buffer = io.BytesIO()
    if fmt == "JPEG":
        quality = int(rng.integers(20, 90))
        image.save(buffer, "JPEG", quality=quality)
        fmt = f"JPEG q{quality}"
    else:
        image.save(buffer, fmt.split("-")[0])
    style = " ".join([fmt, polarity, f"{width}x{height}", f"stroke{stroke}", *notes])
    return FontDigit(label, buffer.getvalue(), fonts[font_index].name if fonts else "pillow-default", style)


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size)


def _affine(image: Image.Image, angle: float, shear: float, scale: float) -> Image.Image:
    """Rotate, shear and scale about the centre."""
    a = np.deg2rad(angle)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array([[1, shear], [0, 1]]) * scale
    inv = np.linalg.inv(m)  # Pillow maps output to input pixels
    cx, cy = image.width / 2, image.height / 2
    shift = np.array([cx, cy]) - inv @ np.array([cx, cy])
    return image.transform(image.size, Image.AFFINE, (*inv[0], shift[0], *inv[1], shift[1]), Image.BILINEAR)


def _wobble(image: Image.Image, rng: np.random.Generator, glyph_height: float) -> Image.Image:
    """A smooth random displacement of every pixel (elastic distortion, Simard et al. 2003): a hand's wobble."""
    h, w = image.height, image.width
    coarse = rng.normal(0, glyph_height * 0.04, size=(2, 4, 4))  # displacement at a 4x4 grid of control points
    field = [np.asarray(Image.fromarray(c.astype(np.float32), "F").resize((w, h), Image.BICUBIC)) for c in coarse]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    moved = ndimage.map_coordinates(np.asarray(image, np.float32), [yy + field[0], xx + field[1]], order=1)
    return Image.fromarray(np.clip(moved, 0, 255).astype(np.uint8), "L")


def _colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """Ink and paper colours (3,) with clear contrast, and a word for the polarity."""
    scheme = rng.choice(["dark on light", "light on dark", "colour"], p=[0.5, 0.3, 0.2])
    if scheme == "dark on light":
        return rng.uniform(0, 70, 3), rng.uniform(200, 255, 3), str(scheme)
    if scheme == "light on dark":
        return rng.uniform(200, 255, 3), rng.uniform(0, 60, 3), str(scheme)
    luma = np.array([0.299, 0.587, 0.114])
    while True:  # colours whose grey levels differ clearly (red on green of equal brightness is no digit in grey)
        ink, paper = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        if abs((ink - paper) @ luma) > 100:
            return ink, paper, "colour"
