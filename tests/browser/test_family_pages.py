"""The Compare models and Interpolation pages in headless Chromium: render, and a digit through every model."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import SCREENSHOTS, no_errors, wait_idle

pytestmark = pytest.mark.browser


def _png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_interpolation_page_renders(server, page):
    url, _, _ = server
    page.goto(f"{url}/interpolation")
    page.get_by_text("linear path through").first.wait_for(timeout=300_000)  # the model may still be loading
    wait_idle(page)
    no_errors(page)
    assert "linear path through" in page.inner_text("body")
    assert page.locator(".js-plotly-plot").count() == 2  # the plane with its paths, the step changes


def test_a_digit_through_every_model_on_the_compare_page(server, page, store_root, mnist):
    from vae_core.artifacts import load_model
    from vae_core.evaluate import describe_digits
    from vae_core.preprocess import load_digit

    url, _, _ = server
    page.goto(f"{url}/compare")
    page.get_by_text("Your digit through every model").wait_for(timeout=300_000)  # the models may still be loading
    wait_idle(page)
    no_errors(page)
    data = _png(np.asarray(Image.fromarray((mnist.x_test[1, ..., 0] * 255).astype(np.uint8)).resize((112, 112))))
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": "two.png", "mimeType": "image/png", "buffer": data}])
    wait_idle(page)
    no_errors(page)
    shown = dict(re.findall(r"([\w-]+): (\d+) nats", page.inner_text("body")))  # model -> score in its caption
    assert len(shown) >= 2, shown
    mine = load_digit(data, name="two.png")
    for name, value in shown.items():  # each model's reconstruction is captioned with the core's score of this image
        _, _, score = describe_digits(load_model(name, store_root), mine[None])
        assert value == f"{score[0]:.0f}", (name, value, score)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "compare-upload.png"))
