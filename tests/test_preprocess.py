import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from vae_core.errors import BadImageError
from vae_core.preprocess import MAX_BYTES, load_digit


def _seven(size=200, ink=0, paper=255, mode="L"):
    """A hand-drawn-looking 7, dark on light by default."""
    image = Image.new(mode, (size, size), paper)
    draw = ImageDraw.Draw(image)
    s = size / 200
    draw.line([(50 * s, 40 * s), (150 * s, 40 * s), (90 * s, 170 * s)], fill=ink, width=int(14 * s))
    return image


def _bytes(image, fmt, **kw):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def _check_mnist_like(d):
    assert d.shape == (28, 28) and d.dtype == np.float32
    assert d.min() >= 0 and d.max() == pytest.approx(1.0)
    cy, cx = ndimage.center_of_mass(d)
    assert abs(cy - 14.0) < 0.3 and abs(cx - 14.0) < 0.3
    rows = np.flatnonzero((d > 0.1).any(axis=1))
    cols = np.flatnonzero((d > 0.1).any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 22  # fits the 20x20 box (+ interpolation)
    assert d[0].max() < 0.05 and d[:, 0].max() < 0.05  # black border, like MNIST



@pytest.fixture(scope="module")
def reference():
    return load_digit(_bytes(_seven(), "PNG"))


@pytest.mark.parametrize("fmt,mode", [("PNG", "L"), ("PNG", "RGB"), ("JPEG", "RGB"), ("BMP", "RGB"),
                                      ("WEBP", "RGB"), ("GIF", "L"), ("TIFF", "L")])
def test_common_formats(reference, fmt, mode):
    d = load_digit(_bytes(_seven().convert(mode), fmt, **({"quality": 95} if fmt == "JPEG" else {})))
    _check_mnist_like(d)
    assert np.abs(d - reference).mean() < 0.03


def test_light_on_dark_is_not_inverted(reference):
    d = load_digit(_bytes(_seven(ink=255, paper=0), "PNG"))
    assert np.abs(d - reference).mean() < 0.01


def test_rgba_dark_strokes_on_transparent(reference):
    rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    rgba.paste(_seven(ink=0, paper=0).convert("RGBA"), mask=_seven(ink=255, paper=0))
    d = load_digit(_bytes(rgba, "PNG"))
    assert np.abs(d - reference).mean() < 0.01


def test_rgba_light_strokes_on_transparent(reference):
    rgba = Image.new("RGBA", (200, 200), (255, 255, 255, 0))
    rgba.paste(_seven(ink=255, paper=255).convert("RGBA"), mask=_seven(ink=255, paper=0))
    d = load_digit(_bytes(rgba, "PNG"))
    assert np.abs(d - reference).mean() < 0.01


def test_sixteen_bit_png(reference):
    a = (np.asarray(_seven(), np.uint16) * 257).astype(np.uint16)
    image = Image.fromarray(a)  # uint16 -> mode "I;16"
    assert image.mode == "I;16"
    d = load_digit(_bytes(image, "PNG"))
    assert np.abs(d - reference).mean() < 0.01


def test_animated_gif_uses_first_frame(reference):
    frames = [_seven(), Image.new("L", (200, 200), 255)]
    d = load_digit(_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0))
    assert np.abs(d - reference).mean() < 0.02


def test_an_mnist_digit_survives_preprocessing(mnist):
    for i in range(5):
        original = mnist.x_test[i, ..., 0]
        big = Image.fromarray((original * 255).astype(np.uint8)).resize((280, 280), Image.BICUBIC)
        d = load_digit(_bytes(big, "PNG"))
        assert np.corrcoef(d.ravel(), original.ravel())[0, 1] > 0.85


def test_path_input(tmp_path, reference):
    (tmp_path / "seven.png").write_bytes(_bytes(_seven(), "PNG"))
    np.testing.assert_array_equal(load_digit(tmp_path / "seven.png"), reference)


def _png_header_only(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


BAD = {
    "zero bytes": (b"", "empty"),
    "text renamed .png": (b"this is not an image\n" * 10, "not a supported image"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>',
            "not a supported image"),
    "20000x20000 bomb": (_png_header_only(20000, 20000), "limit is"),
    "5000x5000": (_png_header_only(5000, 5000), "limit is"),
    "over the size limit": (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_BYTES + 1), "limit is 10 MiB"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_files_give_one_clear_message(case):
    raw, expected = BAD[case]
    with pytest.raises(BadImageError, match=expected):
        load_digit(raw, name="upload.png")


def test_truncated_png():
    raw = _bytes(_seven(), "PNG")
    with pytest.raises(BadImageError, match="truncated or corrupt"):
        load_digit(raw[: len(raw) // 2])


@pytest.mark.parametrize("value", [0, 255])
def test_blank_images_are_empty(value):
    with pytest.raises(BadImageError, match="looks empty"):
        load_digit(_bytes(Image.new("L", (64, 64), value), "PNG"))


def test_missing_file(tmp_path):
    with pytest.raises(BadImageError, match="Cannot read"):
        load_digit(tmp_path / "nope.png")


def test_cie_lab_image_uses_its_lightness(reference):
    lab = _seven().convert("RGB").convert("LAB")
    d = load_digit(_bytes(lab, "TIFF"))
    _check_mnist_like(d)
    assert np.abs(d - reference).mean() < 0.05


def test_float_tiff_with_nan_gives_one_message():
    a = np.asarray(_seven(), np.float32)
    a[5, 5] = np.nan
    with pytest.raises(BadImageError, match="not numbers"):
        load_digit(_bytes(Image.fromarray(a, mode="F"), "TIFF"))


def test_two_dots_far_apart_are_not_a_digit():
    image = Image.new("L", (2000, 2000), 255)
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 20, 20), fill=0)
    draw.ellipse((1970, 1970, 1980, 1980), fill=0)
    with pytest.raises(BadImageError, match="no digit"):
        load_digit(_bytes(image, "PNG"))


def test_thin_and_bold_strokes_come_out_alike():
    from vae_core.classifier import read_digits

    digits = []
    for width in (3, 14, 40):  # a hairline, the reference, a marker
        image = Image.new("L", (400, 400), 255)
        ImageDraw.Draw(image).line([(100, 80), (300, 80), (180, 340)], fill=0, width=width)
        digits.append(load_digit(_bytes(image, "PNG")))
    mass = [float(d.sum()) for d in digits]
    assert max(mass) < 1.6 * min(mass)  # a 13x wider stroke; without stroke normalisation the mass follows it
    assert (read_digits(np.stack(digits))[0] == 7).all()


def test_large_upload_is_shrunk_before_floats(monkeypatch):
    import tracemalloc

    big = Image.new("RGBA", (4096, 4096), (255, 255, 255, 0))
    ImageDraw.Draw(big).line([(1000, 800), (3000, 800), (1800, 3400)], fill=(0, 0, 0, 255), width=280)
    raw = _bytes(big, "PNG")
    tracemalloc.start()
    try:
        d = load_digit(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _check_mnist_like(d)
    assert peak < 64 * 2**20  # a float64 copy of the image would be 512 MiB; strips of float32 stay small
