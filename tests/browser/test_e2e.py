"""End to end in headless Chromium against `streamlit run app.py` with the tiny test models.

The latent explorer's own browser tests are in test_latent_plane.py.
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import SCREENSHOTS, no_errors, wait_idle

pytestmark = pytest.mark.browser
PAGES = {"explorer": "", "training": "training", "projections": "projections",
         "reconstructions": "reconstructions", "samples": "samples"}


def _goto(page, url):
    page.goto(url)
    wait_idle(page)
    no_errors(page)


def test_every_page_renders(server, page):
    url, _, _ = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        _goto(page, f"{url}/{path}")
        assert page.locator("h1").first.inner_text().strip(), name
        if name == "projections":  # the hover-image chart: an iframe holding plotly.js and the digits
            page.wait_for_selector("iframe", timeout=60_000)
            page.frame_locator("iframe").locator(".js-plotly-plot").wait_for(timeout=60_000)
            # plotly.js comes from the server's static/ (cached by the browser), not inline in every render
            srcdoc = page.locator("iframe").first.get_attribute("srcdoc")
            assert 'src="/app/static/plotly.min.js"' in srcdoc and len(srcdoc) < 2_000_000
            script = page.request.get(f"{url}/app/static/plotly.min.js")
            assert script.ok and "javascript" in script.headers["content-type"]
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(page, name, data, mime="image/png"):
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    wait_idle(page)


def test_upload_shows_reconstruction_and_place(server, page, mnist):
    url, _, _ = server
    _goto(page, f"{url}/reconstructions")
    digit = Image.fromarray((mnist.x_test[0, ..., 0] * 255).astype(np.uint8)).resize((140, 140))
    _upload(page, "my-seven.png", _png(np.asarray(digit)))
    no_errors(page)
    body = page.inner_text("body")
    assert "Negative ELBO" in body and "of the test digits" in body
    assert "preprocessed 28×28 input" in body and "reconstruction" in body
    assert page.locator(".js-plotly-plot .legendtext", has_text="your digit").count() == 1  # placed on the plane
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "upload.png"))


@pytest.mark.parametrize("name,data,expected", [
    ("fake.png", b"definitely not an image" * 20, "not a supported image"),
    ("bomb.png", None, "limit is"),
    ("blank.png", _png(np.full((50, 50), 255, np.uint8)), "looks empty"),
])
def test_bad_uploads_in_the_browser(server, page, name, data, expected):
    from tests.test_preprocess import _png_header_only

    url, _, _ = server
    _goto(page, f"{url}/reconstructions")
    _upload(page, name, data if data is not None else _png_header_only(20000, 20000))
    no_errors(page)
    alerts = page.locator("[data-testid=stAlertContentError]")
    assert alerts.count() == 1 and expected in alerts.first.inner_text()
    assert "Test digits" in page.inner_text("body")  # the rest of the page still works


def test_upload_over_the_limit_is_refused_by_streamlit(server, page):
    url, _, _ = server
    _goto(page, f"{url}/reconstructions")
    _upload(page, "huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (11 * 2**20))
    no_errors(page)
    assert re.search(r"(?i)(exceeds|too large|must be|limit)", page.inner_text("[data-testid=stFileUploader]"))
    assert "Negative ELBO" not in page.inner_text("body")


def _diagnostics(page) -> str:
    page.get_by_text("Diagnostics").click()
    time.sleep(0.3)
    return page.get_by_text("Model loads in this process").inner_text()


def test_switching_pages_and_models_reuses_the_caches(server, page):
    url, _, _ = server
    _goto(page, f"{url}/projections")  # computes (or reads the disk cache) once
    _goto(page, f"{url}/training")
    _goto(page, f"{url}/projections")
    assert "Computing" not in page.inner_text("body")
    # switch model and back
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").click()
    page.get_by_role("option", name="tiny3").click()
    wait_idle(page)
    no_errors(page)
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").click()
    page.get_by_role("option", name="tiny", exact=True).click()
    wait_idle(page)
    assert "Computing" not in page.inner_text("body")
    loads = _diagnostics(page)
    assert "tiny ×1" in loads and "tiny3 ×1" in loads, loads  # each model loaded once, projections never recomputed


def test_drawing_a_digit(server, page):
    url, _, _ = server
    _goto(page, f"{url}/reconstructions")
    page.get_by_role("tab", name="Draw").click()
    canvas = page.locator("canvas").last
    canvas.wait_for()
    wait_idle(page)
    canvas.scroll_into_view_if_needed()
    time.sleep(2)  # Fabric.js sets up its event handlers after the canvas appears
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    for step in range(30):
        page.mouse.move(box["x"] + 140 + step, box["y"] + 40 + step * 7)
    page.mouse.up()
    page.locator("[data-testid=stMetricLabel]", has_text="Negative ELBO").wait_for(timeout=60_000)
    wait_idle(page)
    no_errors(page)
    assert "preprocessed 28×28 input" in page.inner_text("body")
