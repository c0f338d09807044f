"""The upload sentences of the Anomalies and Reconstructions pages: their percentile's value and its direction.

The expected percentile is scipy's `percentileofscore(kind="strict")` of the upload's score among the test digits'
scores; the page calls an image unusual only above the 95th percentile. A grid of lines is far from every
digit (near the 100th percentile); a test digit well below that threshold (under the 90th) is not. Each upload is
scored with the first seeded draw z ~ q(z|x) while the test digits each have their own, so on the tiny models an
uploaded test digit lands between the 75th and the 98th percentile rather than around the median."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from scipy.stats import percentileofscore

from tests.views.conftest import open_page
from vae_core import anomaly
from vae_core.evaluate import describe_digits, per_image_losses
from vae_core.preprocess import load_digit


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _grid() -> bytes:
    image = np.zeros((112, 112), np.uint8)
    image[8:104:12, 8:104] = image[8:104, 8:104:12] = 255  # a grid of thin lines: nothing like a digit
    return _png(image)


def _digit(mnist, index: int) -> bytes:
    return _png(np.asarray(Image.fromarray((mnist.x_test[index, ..., 0] * 255).astype(np.uint8)).resize((112, 112))))


def _number(text: str) -> float:
    (value,) = re.findall(r"\*\*(-?\d+\.\d+)%\*\*", text)
    return float(value)


def _typical_digit(mnist, percentile_of) -> tuple[bytes, float]:
    """The first of the test digits, uploaded as a 112x112 PNG, that scores below the 90th percentile (clear of the
    verdict's 95): (file, percentile)."""
    for index in range(40):
        data = _digit(mnist, index)
        expected = percentile_of(load_digit(data, name="digit.png"))
        if expected < 90:
            return data, expected
    raise AssertionError("none of 40 test digits scores below the 90th percentile")


@pytest.mark.parametrize("which", ["grid", "digit"])
def test_anomalies_upload_percentile_and_verdict(app, tiny, mnist, which):
    reference = anomaly.score_images(tiny, mnist.x_test[:500], k=10, seed=0)["negative_elbo"]

    def percentile_of(image):
        mine = anomaly.score_images(tiny, image[None], k=10, seed=0)["negative_elbo"][0]
        return percentileofscore(reference, mine, kind="strict")

    if which == "grid":
        data = _grid()
        expected = percentile_of(load_digit(data, name="grid.png"))
        assert expected > 95  # the direction: a grid scores above (nearly) every digit
    else:
        data, expected = _typical_digit(mnist, percentile_of)
    app.session_state["anomaly_n"] = 500
    open_page(app, "anomalies")
    app.file_uploader(key="anomaly_upload").upload(f"{which}.png", data, "image/png")
    app.run()
    assert not app.exception and not app.error
    (sentence,) = [m.value for m in app.markdown if "of the MNIST test digits scored here" in m.value]
    assert _number(sentence) == pytest.approx(expected, abs=0.051)
    assert ("unusual" in sentence) == (expected > 95), sentence


@pytest.mark.parametrize("which", ["grid", "digit"])
def test_reconstructions_upload_verdict(app, tiny, mnist, which):
    reconstruction, kl = per_image_losses(tiny, mnist.x_test, seed=0)

    def percentile_of(image):
        return percentileofscore(reconstruction + kl, describe_digits(tiny, image[None])[2][0], kind="strict")

    if which == "grid":
        data = _grid()
        expected = percentile_of(load_digit(data, name="grid.png"))
        assert expected > 95
    else:
        data, expected = _typical_digit(mnist, percentile_of)
    open_page(app, "reconstructions")
    app.file_uploader[0].upload(f"{which}.png", data, "image/png")
    app.run()
    assert not app.exception and not app.error
    (sentence,) = [m.value for m in app.markdown if "of the test digits" in m.value]
    assert _number(sentence) == pytest.approx(expected, abs=0.051)
    assert ("unusual" in sentence) == (expected > 95), sentence
