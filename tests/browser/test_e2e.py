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

from tests.browser.conftest import SCREENSHOTS, draw_stroke, no_errors, wait_idle
from vae_core.images import to_uint8

PANELS = "document.querySelector('.sp-root')?.scatterPanels"

pytestmark = pytest.mark.browser
PAGES = {"explorer": "", "training": "training", "projections": "projections",
         "reconstructions": "reconstructions", "samples": "samples"}


def _goto(page, url):
    page.goto(url)
    wait_idle(page)
    no_errors(page)


def test_every_page_renders(server, page):
    url, _, _ = server
    outside = []  # nothing is fetched from anywhere but the app's own server (no CDN, no web fonts, no icons)
    page.on("request", lambda r: outside.append(r.url) if r.url.split(":")[0] in ("http", "https") and not
            r.url.startswith(url.rsplit(":", 1)[0]) else None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        _goto(page, f"{url}/{path}")
        assert page.locator("h1").first.inner_text().strip(), name
        if name == "projections":  # the panels component: canvases drawn in the page, no plotly.js to load
            page.wait_for_function(f"() => !!{PANELS}?.canvases", timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    assert not outside, outside


def test_projection_panels_show_the_hovered_digit(server, page, mnist, tiny):
    """Hovering a dot in any panel shows that test digit (pixels, label, index) and rings it in every panel; the
    dots sit where the core's projection puts them."""
    from vae_core.embed import latent_stats, projection

    url, _, _ = server
    _goto(page, f"{url}/projections")
    page.wait_for_function(f"() => !!{PANELS}?.canvases", timeout=60_000)
    indices = np.asarray(page.evaluate(f"() => Array.from({PANELS}.indices)"))
    expected_idx, tsne = projection(tiny, latent_stats(tiny, mnist.x_test, "test")[:, 0], "tsne", len(indices))
    np.testing.assert_array_equal(indices, expected_idx)
    shown = np.asarray(page.evaluate(f"() => Array.from({PANELS}.xy)"), np.float32).reshape(-1, len(indices), 2)
    np.testing.assert_allclose(shown[1], tsne, rtol=1e-6)  # the t-SNE panel draws the core's t-SNE
    for panel, row in ((0, 7), (1, 123), (2, len(indices) - 1)):
        page.mouse.move(*page.evaluate(f"([k, i]) => {PANELS}.pagePoint(k, i)", [panel, row]))
        page.wait_for_function(f"() => !{PANELS}.tip.hidden", timeout=10_000)
        hovered = page.evaluate(f"() => {PANELS}.hover")
        index = int(indices[hovered])  # the dot under the pointer (a neighbour may sit on the same pixel)
        assert page.locator(".sp-tip span").inner_text() == f"label {mnist.y_test[index]} · #{index}"
        grey = page.evaluate("() => { const c = document.querySelector('.sp-tip canvas').getContext('2d');"
                             " const d = c.getImageData(0, 0, 28, 28).data; return Array.from({length: 784},"
                             " (_, i) => d[4 * i]); }")
        np.testing.assert_array_equal(np.asarray(grey, np.uint8).reshape(28, 28), to_uint8(mnist.x_test[index, ..., 0]))
    no_errors(page)


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
    # placed on the plane: the star sits at the μ the page states, and it is drawn there (crimson on the canvas)
    mu = [float(v) for v in re.search(r"μ = \(([^)]*)\)", body).group(1).split(",")]
    mark = page.evaluate(f"() => {PANELS}.header.marks[0]")
    assert mark == pytest.approx(mu[:2], abs=0.006)
    rgb = page.evaluate(f"() => {{ const p = {PANELS}, [x, y] = p.xyToPx(0, ...p.mark(0)), r = devicePixelRatio;"
                        " return [...p.canvases[0].getContext('2d').getImageData(x * r, y * r, 1, 1).data]; }")
    assert rgb[:3] == [220, 20, 60]  # crimson
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
    draw_stroke(page, page.locator("canvas").last)
    page.locator("[data-testid=stMetricLabel]", has_text="Negative ELBO").wait_for(timeout=60_000)
    wait_idle(page)
    no_errors(page)
    assert "preprocessed 28×28 input" in page.inner_text("body")
