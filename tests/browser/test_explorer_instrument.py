"""The explorer as an instrument in headless Chromium: a region selected with the mouse gets digits generated from
it (decoded as the core decodes the core's draws, and different for a different region), and colouring by a score
draws the dots in that score's order (the canvas calls themselves are recorded)."""

from __future__ import annotations

import base64
import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import no_errors, wait_idle
from vae_core import selection
from vae_core.evaluate import kl_per_image
from vae_core.images import to_uint8

pytestmark = pytest.mark.browser
PLANE = "document.querySelector('.lp-root')?.latentPlane"
# every fillRect on the dots' canvas while window.__fills is an array: [x, y, width, fillStyle]
RECORD_FILLS = """(() => { const fill = CanvasRenderingContext2D.prototype.fillRect;
  CanvasRenderingContext2D.prototype.fillRect = function (x, y, w, h) {
    if (Array.isArray(window.__fills) && this.canvas.classList.contains('lp-dots'))
      window.__fills.push([x, y, w, this.fillStyle]);
    return fill.call(this, x, y, w, h); }; })();"""
IMAGE_BY_CAPTION = """([start]) => { const c = [...document.querySelectorAll('[data-testid=stImageCaption]')]
    .find(e => e.innerText.startsWith(start)); const img = c?.parentElement?.querySelector('img');
    return img && img.complete ? img.src : null; }"""


def _open(page, url):
    page.goto(url)
    page.wait_for_function(f"() => !!{PLANE}?.shownZ", timeout=120_000)
    wait_idle(page, quiet=0.6)
    no_errors(page)


def _tiles(src: str) -> np.ndarray:
    """The digits (N, 28, 28) of a gallery's PNG (tiles of 28 + 2 px, shown at scale 2)."""
    assert src.startswith("data:image/png;base64,")
    grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("L"))[::2, ::2]
    rows, columns = (grey.shape[0] + 2) // 30, (grey.shape[1] + 2) // 30
    return np.stack([grey[r * 30:r * 30 + 28, c * 30:c * 30 + 28] for r in range(rows) for c in range(columns)])


def _select(page, box: list[float], before: str | None) -> tuple[list[float], int, np.ndarray]:
    """Shift+drag over `box` [x0, y0, x1, y1] on the plane; (the box the page sent, the count the server shows, the
    generated digits it shows) once the server has answered."""
    x0, y0, x1, y1 = box
    page.mouse.move(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", [x0, y1]))
    page.keyboard.down("Shift")
    page.mouse.down()
    page.mouse.move(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", [x1, y0]), steps=6)
    page.mouse.up()
    page.keyboard.up("Shift")
    deadline = time.time() + 60
    while time.time() < deadline:
        src = page.evaluate(IMAGE_BY_CAPTION, ["16 draws, seed 0"])
        if src and src != before:
            break
        time.sleep(0.1)
    wait_idle(page, quiet=0.6)
    no_errors(page)
    heading = page.get_by_text(re.compile(r"^The selection: [\d,]+ test digits")).inner_text()
    count = int(re.search(r"([\d,]+) test digits", heading).group(1).replace(",", ""))
    return page.evaluate(f"() => {PLANE}.box"), count, page.evaluate(IMAGE_BY_CAPTION, ["16 draws, seed 0"])


def test_a_selected_region_gets_samples_that_change_with_the_region(server, page, tiny, mnist):
    url, _, _ = server
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    _open(page, url)
    z_mean, z_log_var = tiny.fast.encode(mnist.x_test)
    # the digits left of the codes' median and those right of it (a tiny model's codes may fill a few pixels)
    cx, cy = (float(v) for v in np.median(z_mean, axis=0))
    regions = [[cx - 1.5, cy - 1.5, cx, cy + 1.5], [cx, cy - 1.5, cx + 1.5, cy + 1.5]]
    shown, before = [], None
    for region in regions:
        sent.clear()
        box, count, src = _select(page, region, before)
        np.testing.assert_allclose(box, region, atol=0.03)  # where the mouse went, to the pixel
        x0, y0, x1, y1 = box
        chosen = np.flatnonzero((z_mean[:, 0] >= x0) & (z_mean[:, 0] <= x1) & (z_mean[:, 1] >= y0)
                                & (z_mean[:, 1] <= y1))
        assert count == len(chosen) == page.evaluate(f"() => {PLANE}.selectedCount") and count > 0
        assert sent and max(sent) < 2_000  # one small message: the box, not the dots
        generated = _tiles(src)
        expected = to_uint8(tiny.fast.decode(selection.sample(z_mean[chosen], z_log_var[chosen], 16, 0)))
        assert np.abs(generated.astype(int) - expected).max() <= 1  # the core's draws, decoded as the core does
        shown.append(generated)
        before = src
    assert not np.array_equal(shown[0], shown[1])  # another region, other digits


def test_colouring_by_a_score_draws_the_dots_in_the_scores_order(server, browser, tiny, mnist):
    url, _, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.add_init_script(RECORD_FILLS)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        _open(page, url)
        page.evaluate("() => { window.__fills = []; }")
        page.locator("[data-testid=stSelectbox]", has_text="Colour the dots by").click()
        page.get_by_role("option", name="KL to the prior (nats)").click()
        page.wait_for_function(f"() => {PLANE}?.header?.colour === 'KL to the prior (nats)'", timeout=120_000)
        wait_idle(page, quiet=0.6)
        no_errors(page)
        z_mean, z_log_var = tiny.fast.encode(mnist.x_test)
        kl = kl_per_image(z_mean, z_log_var).astype(np.float32)
        np.testing.assert_allclose(page.evaluate(f"() => Array.from({PLANE}.values)"), kl, rtol=1e-5, atol=1e-5)
        order = np.argsort(page.evaluate(f"() => Array.from({PLANE}.values)"), kind="stable")  # lowest first
        assert page.evaluate(f"() => Array.from({PLANE}.drawOrder)") == order.tolist()
        # what the canvas was asked to draw: a 3-pixel square per dot, at the dots of `order`, in that order
        fills = [f for f in page.evaluate("() => window.__fills") if f[2] == 3]
        assert len(fills) == len(kl)
        expected = page.evaluate(f"""([order]) => order.map(i => {PLANE}.toPx({PLANE}.points[2 * i],
            {PLANE}.points[2 * i + 1]).map(v => v - 1.5))""", [order.tolist()])
        np.testing.assert_allclose([f[:2] for f in fills], expected, atol=1e-9)
        assert fills[0][3] == "#440154" and fills[-1][3] == "#fde725"  # the lowest in the scale's first colour
        legend = page.locator(".lp-legend").inner_text()
        assert "KL to the prior" in legend and "highest on top" in legend
    finally:
        context.close()


def test_hovering_a_dot_draws_its_posterior(server, page, tiny, mnist):
    url, _, _ = server
    _open(page, url)
    z_mean, z_log_var = tiny.fast.encode(mnist.x_test)
    index = int(np.argmax(np.abs(z_mean).sum(1) * (np.abs(z_mean).max(1) < page.evaluate(f"() => {PLANE}.span"))))
    page.mouse.move(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", z_mean[index].tolist()))
    page.wait_for_function(f"() => {PLANE}.ellipse !== null")
    ellipse = page.evaluate(f"() => {PLANE}.ellipse")
    i = ellipse["digit"]
    np.testing.assert_allclose(ellipse["mu"], z_mean[i], atol=1e-6)
    np.testing.assert_allclose(ellipse["sigma"], np.exp(0.5 * z_log_var[i]), rtol=1e-5)
    assert np.hypot(*(z_mean[i] - z_mean[index])) < 0.2  # the dot under the pointer (or one beside it)
