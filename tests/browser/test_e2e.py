"""End to end in headless Chromium against `streamlit run app.py` with the tiny test models.

Tolerance of the click checks: the image the browser shows (a lossless PNG, enlarged 10x by nearest-neighbour)
must match the core's decoding of the clicked point to within one grey level (1/255) per pixel, and the decoded
point must lie within half a click-grid step (0.05) of where the mouse clicked, or be exactly the clicked dot's
latent mean.
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import SCREENSHOTS, no_errors, wait_idle
from vae_core.images import to_uint8

pytestmark = pytest.mark.browser
PAGES = {"explorer": "", "training": "training", "projections": "projections",
         "reconstructions": "reconstructions", "samples": "samples"}
GRID_STEP = 0.1


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
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _to_page_xy(page, x, y):
    page.wait_for_selector(".js-plotly-plot .nsewdrag")  # the plot is drawn (it may still be arriving)
    return page.evaluate("""([x, y]) => { const el = document.querySelector('.js-plotly-plot');
        const L = el._fullLayout, r = el.getBoundingClientRect();
        return [r.left + L.xaxis._offset + L.xaxis.d2p(x), r.top + L.yaxis._offset + L.yaxis.d2p(y)]; }""", [x, y])


def _shown_z(page):
    text = page.locator("[data-testid=stMarkdownContainer]", has_text="z = (").first.inner_text()
    return [float(v) for v in re.search(r"z = \(([^)]*)\)", text).group(1).split(",")]


def _decoded_image(page) -> np.ndarray:
    """The big decoded digit (280x280 PNG) as uint8 28x28."""
    src = page.evaluate("() => [...document.querySelectorAll('[data-testid=stImage] img')]"
                        ".find(i => i.naturalWidth === 280).src")
    data = page.request.get(src).body()
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))[::10, ::10]


def _click_and_wait(page, x, y, previous):
    page.mouse.click(*_to_page_xy(page, x, y))
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if _shown_z(page) != previous:
                break
        except Exception:  # re-rendering
            pass
        time.sleep(0.05)
    wait_idle(page, quiet=0.6)
    no_errors(page)
    return _shown_z(page)


def test_click_on_empty_space_and_on_a_digit(server, page, tiny, mnist):
    url, _, _ = server
    _goto(page, url)
    z = _click_and_wait(page, 2.0, -1.5, _shown_z(page))
    assert abs(z[0] - 2.0) <= GRID_STEP / 2 + 1e-9 and abs(z[1] + 1.5) <= GRID_STEP / 2 + 1e-9
    grid_z = np.round(np.asarray(z) / GRID_STEP) * GRID_STEP  # the grid point the click selected
    expected = to_uint8(tiny.fast.decode(grid_z[None])[0])
    assert np.abs(_decoded_image(page).astype(int) - expected).max() <= 1

    means, _ = tiny.fast.encode(mnist.x_test)
    target = means[0]
    z = _click_and_wait(page, float(target[0]), float(target[1]), z)
    caption = page.get_by_text(re.compile(r"Clicked test digit #\d+")).inner_text()
    index = int(re.search(r"#(\d+)", caption).group(1))
    np.testing.assert_allclose(z, np.round(means[index], 2), atol=0.006)
    expected = to_uint8(tiny.fast.decode(means[index][None])[0])
    assert np.abs(_decoded_image(page).astype(int) - expected).max() <= 1


def _plane_traces(page) -> dict:
    """name -> (number of points, selected point indices or None, first x, first y) of the explorer's traces."""
    return {t[0]: t[1:] for t in page.evaluate("""() => document.querySelector('.js-plotly-plot')._fullData.map(
        t => [t.name, t.x.length, t.selectedpoints || null, Number(t.x[0]), Number(t.y[0])])""")}


def test_a_click_highlights_the_point_without_resending_the_figure(server, page):
    """Clicks leave the figure as it was (no new figure crosses the websocket, so the browser redraws nothing) and
    Plotly's own selection marks the clicked point; a slider move brings a "current z" marker on a fresh chart
    with no stale highlight; the first click after that draws its highlight into the figure."""
    url, _, _ = server
    received = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    _goto(page, url)
    traces = _plane_traces(page)
    assert "current z" not in traces
    assert sum(n for name, (n, *_) in traces.items() if name.startswith("digit ")) == 2000

    z = _shown_z(page)
    for x, y in ((1.0, 1.0), (-1.0, 0.5)):
        received.clear()
        z = _click_and_wait(page, x, y, z)
        assert max(received) < 20_000, received  # the figure is ~200 kB; only small element messages came
        traces = _plane_traces(page)
        assert "current z" not in traces
        selected = traces["click anywhere"][1]
        assert selected is not None and len(selected) == 1
        point = page.evaluate("([i]) => { const t = document.querySelector('.js-plotly-plot')._fullData[0];"
                              " return [Number(t.x[i]), Number(t.y[i])]; }", [selected[0]])
        np.testing.assert_allclose(point, z, atol=0.006)  # the highlighted grid point is the decoded z

    page.locator("[data-testid=stSlider] input[type=range]").first.focus()
    page.keyboard.press("ArrowRight")
    deadline = time.time() + 30
    while _shown_z(page) == z and time.time() < deadline:
        time.sleep(0.05)
    wait_idle(page, quiet=0.6)
    moved = _shown_z(page)
    assert moved[0] == pytest.approx(z[0] + 0.01, abs=1e-6) and moved[1] == z[1]
    traces = _plane_traces(page)
    np.testing.assert_allclose(traces["current z"][2:], moved, atol=1e-6)
    assert all(sel is None for _, sel, _, _ in traces.values())  # the old highlight is gone

    z = _click_and_wait(page, 0.5, -0.5, moved)  # back to click mode: this click's highlight is in the figure
    traces = _plane_traces(page)
    assert "current z" not in traces and len(traces["click anywhere"][1]) == 1
    received.clear()
    z = _click_and_wait(page, -0.5, -1.0, z)  # and the next click again re-sends nothing
    assert max(received) < 20_000, received
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
    start = time.perf_counter()
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
    assert "tiny ×1" in loads and "tiny3 ×1" in loads, loads
    assert time.perf_counter() - start < 120


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
