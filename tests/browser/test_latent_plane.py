"""The latent plane component in headless Chromium: the decoder runs in the page, a click pins z on the server.

Pixel checks: the digit the page paints (its 28x28 canvas, read back with getImageData) must equal the core's
`FastModel.decode` of the same z to within one grey level (1/255) per pixel.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import numpy as np
import pytest

from tests.browser.conftest import no_errors, wait_idle
from tests.conftest import PROJECT
from vae_core.images import to_uint8

pytestmark = pytest.mark.browser
PLANE = "document.querySelector('.lp-root')?.latentPlane"
SHOWN_JS = f"""() => {{ const p = {PLANE}; const d = p.digit.getContext('2d').getImageData(0, 0, 28, 28).data;
    return {{z: p.shownZ, grey: Array.from({{length: 784}}, (_, i) => d[4 * i])}}; }}"""
# decoder.js reads its file with splitPayload from ui/payload.js, as the component's script concatenates them
DECODER_JS = "\n".join((PROJECT / "ui" / path).read_text() for path in ("payload.js", "latent_plane/decoder.js"))


def _open(page, url):
    page.goto(url)
    page.wait_for_function(f"() => !!{PLANE}?.shownZ", timeout=120_000)
    wait_idle(page, quiet=0.6)
    no_errors(page)


def _shown(page) -> tuple[np.ndarray, np.ndarray]:
    shown = page.evaluate(SHOWN_JS)
    return np.asarray(shown["z"], np.float32), np.asarray(shown["grey"], np.uint8).reshape(28, 28)


def _pinned_z(page) -> list[float]:
    """The pinned z as Python shows it ("Pinned z = (…)")."""
    text = page.locator("[data-testid=stMarkdownContainer]", has_text="Pinned z = (").first.inner_text()
    return [float(v) for v in re.search(r"z = \(([^)]*)\)", text).group(1).split(",")]


def _wait_pinned(page, previous):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if _pinned_z(page) != previous:
                break
        except Exception:  # re-rendering
            pass
        time.sleep(0.05)
    wait_idle(page, quiet=0.6)
    no_errors(page)
    return _pinned_z(page)


def _nearest_caption(page) -> list[int]:
    text = page.get_by_text(re.compile(r"^#\d+:\d")).first.inner_text()
    return [int(i) for i in re.findall(r"#(\d+):", text)]


def test_hover_decodes_in_the_page_without_the_server(server, page, tiny):
    url, _, _ = server
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    _open(page, url)
    sent.clear()
    images = []
    for x, y in ((-1.5, 1.0), (0.3, -0.7), (1.8, 1.6), (-0.4, -2.2)):
        page.mouse.move(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", [x, y]))
        page.wait_for_function(f"([x, y]) => Math.abs({PLANE}.shownZ[0] - x) < 0.03 && "
                               f"Math.abs({PLANE}.shownZ[1] - y) < 0.03", arg=[x, y])
        z, grey = _shown(page)
        expected = to_uint8(tiny.fast.decode(z[None])[0])
        assert np.abs(grey.astype(int) - expected).max() <= 1  # the page's decoding is the core's
        images.append(grey)
    assert all(not np.array_equal(a, b) for a, b in zip(images, images[1:], strict=False))  # the image changed
    time.sleep(0.3)
    assert sent == []  # hovering sent nothing to the server: no rerun
    assert page.locator(".lp-what").inner_text().startswith("under the pointer")


def test_a_click_pins_z_and_the_nearest_digits_follow(server, page, tiny, mnist):
    url, _, _ = server
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    _open(page, url)
    means, _ = tiny.fast.encode(mnist.x_test)
    # an empty spot: no dot within the component's pick radius
    target = page.evaluate(f"""() => {{ const p = {PLANE};
        for (let y = p.span - 0.3; y > -p.span; y -= 0.25) for (let x = -p.span + 0.3; x < p.span; x += 0.25) {{
          const [px, py] = p.toPx(x, y); if (p.dotAt(px, py) < 0) return [x, y]; }} return null; }}""")
    assert target is not None
    before = _pinned_z(page)
    sent.clear()
    page.mouse.click(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", target))
    pinned = _wait_pinned(page, before)
    js_pinned = page.evaluate(f"() => {PLANE}.pinned")
    np.testing.assert_allclose(js_pinned, target, atol=0.03)  # where the mouse clicked (pixel resolution)
    np.testing.assert_allclose(pinned, np.round(js_pinned, 2), atol=0.006)  # Python has the z the page sent
    nearest = np.argsort(((means - np.asarray(js_pinned, np.float32)) ** 2).sum(axis=1))[:8]
    assert _nearest_caption(page) == nearest.tolist()
    assert sent and max(len(m) for m in sent) < 2_000  # the click sent a small message (z), not a figure
    z, grey = _shown(page)
    np.testing.assert_allclose(z, js_pinned, atol=1e-6)
    assert np.abs(grey.astype(int) - to_uint8(tiny.fast.decode(z[None])[0])).max() <= 1


def test_a_clicks_answer_leaves_the_component_data_alone_and_the_point_stays(server, page, tiny):
    """After a click the server does not send the decoder and points again (a reference to the message the browser
    holds); the clicked point stays pinned; a slider move and a fresh page still reach the component."""
    url, _, _ = server
    received = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    _open(page, url)
    assert max(received) > 50_000  # the first page carried the decoder and the points
    target = [0.37, -0.61]
    before = _pinned_z(page)
    received.clear()
    page.mouse.click(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", target))
    pinned = _wait_pinned(page, before)
    assert received and max(received) < 20_000, received  # the answer: z, captions, images' URLs; no decoder
    js_pinned = page.evaluate(f"() => {PLANE}.pinned")
    np.testing.assert_allclose(js_pinned, target, atol=0.03)  # still the clicked point after the answer
    np.testing.assert_allclose(pinned, np.round(js_pinned, 2), atol=0.006)

    page.get_by_role("slider").first.focus()  # z1's slider, one step (0.01) to the right
    page.keyboard.press("ArrowRight")
    moved = _wait_pinned(page, pinned)
    assert moved[0] == pytest.approx(pinned[0] + 0.01, abs=0.006) and moved[1] == pytest.approx(pinned[1], abs=0.006)
    page.wait_for_function(f"([x]) => Math.abs({PLANE}.pinned[0] - x) < 1e-6", arg=[moved[0]], timeout=30_000)

    page.locator("[data-testid=stSidebarNav] a[href$='/training']").first.click()
    wait_idle(page, quiet=0.6)
    page.locator("[data-testid=stSidebarNav] a[href$='/']").first.click()
    page.wait_for_function(f"() => !!{PLANE}?.shownZ", timeout=120_000)
    wait_idle(page, quiet=0.6)
    np.testing.assert_allclose(page.evaluate(f"() => {PLANE}.pinned"), moved, atol=1e-6)  # a fresh component
    no_errors(page)


def test_a_click_on_a_dot_pins_that_digits_mean(server, page, tiny, mnist):
    url, _, _ = server
    _open(page, url)
    means, _ = tiny.fast.encode(mnist.x_test)
    # the dot whose nearest neighbour on screen is farthest away, so a click on its centre can only mean it
    index, gap = page.evaluate(f"""() => {{ const p = {PLANE}, n = p.labels.length, x = new Float64Array(n),
          y = new Float64Array(n);
        for (let i = 0; i < n; i++) [x[i], y[i]] = p.toPx(p.points[2 * i], p.points[2 * i + 1]);
        let best = -1, bestGap = 0;
        for (let i = 0; i < n; i++) {{
          if (Math.abs(p.points[2 * i]) > p.span - 0.2 || Math.abs(p.points[2 * i + 1]) > p.span - 0.2) continue;
          let gap = Infinity;
          for (let j = 0; j < n && gap > bestGap; j++)
            if (j !== i) gap = Math.min(gap, (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2);
          if (gap > bestGap) {{ best = i; bestGap = gap; }} }}
        return [best, Math.sqrt(bestGap)]; }}""")
    assert gap >= 0.5, gap
    assert index >= 0
    sent_point = page.evaluate(f"([i]) => {PLANE}.point(i)", [index])  # the data the component was sent
    np.testing.assert_allclose(sent_point[:2], means[index], atol=1e-6)
    assert sent_point[2] == mnist.y_test[index]
    before = _pinned_z(page)
    page.mouse.click(*page.evaluate(f"([i]) => {PLANE}.pagePoint(...{PLANE}.point(i).slice(0, 2))", [index]))
    pinned = _wait_pinned(page, before)
    np.testing.assert_allclose(pinned, np.round(means[index], 2), atol=0.006)
    assert page.get_by_text(re.compile(r"Clicked test digit #\d+")).inner_text().startswith(
        f"Clicked test digit #{index} (label {mnist.y_test[index]})")
    page.mouse.move(5, 5)  # off the plane: the pinned digit's μ is shown
    page.wait_for_function(f"() => {PLANE}.hover === null")
    z, grey = _shown(page)
    np.testing.assert_allclose(z, means[index], atol=1e-6)
    assert np.abs(grey.astype(int) - to_uint8(tiny.fast.decode(means[index][None])[0])).max() <= 1


def test_latent_dim_3_uses_the_chosen_dimensions_and_the_base(server, page, store_root, mnist):
    from vae_core.artifacts import load_model

    tiny3 = load_model("tiny3", store_root)
    url, _, _ = server
    _open(page, url)
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="tiny3").click()
    page.wait_for_function(f"() => {PLANE}?.decoder?.latentDim === 3", timeout=120_000)
    wait_idle(page, quiet=0.6)
    page.get_by_label("Other dimensions at test digit #").fill("5")  # the others held at test digit 5's mean
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => !!{PLANE}?.base && {PLANE}.base[2] !== 0", timeout=60_000)
    wait_idle(page, quiet=0.6)
    means, _ = tiny3.fast.encode(mnist.x_test[:6])
    np.testing.assert_allclose(page.evaluate(f"() => {PLANE}.base"), means[5], atol=1e-6)
    page.mouse.move(*page.evaluate(f"() => {PLANE}.pagePoint(0.7, -0.4)"))
    page.wait_for_function(f"() => {PLANE}.hover !== null && Math.abs({PLANE}.shownZ[0] - 0.7) < 0.03")
    z, grey = _shown(page)
    assert z.shape == (3,) and z[2] == pytest.approx(means[5][2], abs=1e-6)
    assert np.abs(grey.astype(int) - to_uint8(tiny3.fast.decode(z[None])[0])).max() <= 1


def test_without_the_component_the_sliders_decode_on_the_server(server, browser, tiny):
    url, _, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.add_init_script("HTMLCanvasElement.prototype.getContext = () => null;")  # the component cannot start
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_text("The interactive latent plane could not start").wait_for(timeout=120_000)
        wait_idle(page)
        assert page.locator(".lp-fallback").is_visible() and not page.locator(".lp-main").is_visible()
        before = _pinned_z(page)
        page.locator("[data-testid=stSlider] input[type=range]").first.focus()
        page.keyboard.press("ArrowRight")
        z = _wait_pinned(page, before)
        assert z[0] == pytest.approx(before[0] + 0.01, abs=1e-6)
        src = page.evaluate("() => [...document.querySelectorAll('[data-testid=stImage] img')]"
                            ".find(i => i.naturalWidth === 140).src")
        from io import BytesIO

        from PIL import Image
        assert src.startswith("data:image/png;base64,")  # a small PNG travels inside the page's message
        data = base64.b64decode(src.split(",", 1)[1])
        grey = np.asarray(Image.open(BytesIO(data)).convert("L"))[::5, ::5]
        expected = to_uint8(tiny.fast.decode(np.asarray([z], np.float32))[0])
        assert np.abs(grey.astype(int) - expected).max() <= 1
    finally:
        context.close()


def _shipped_models() -> list[str]:
    from vae_core.store import list_models

    return list_models(PROJECT / "models")


@pytest.mark.parametrize("name", _shipped_models() or ["(none)"])
def test_shipped_models_decode_in_the_browser_as_in_the_core(browser, name):
    """The page's decoder against FastModel.decode for every shipped model, on 24 latent points."""
    if name == "(none)":
        pytest.skip("no shipped models")
    from vae_core.artifacts import load_model
    from vae_core.export import decoder_tensors, to_bytes

    loaded = load_model(name, PROJECT / "models")
    data = to_bytes(decoder_tensors(loaded), loaded.config.latent_dim, loaded.file_hash)  # in memory: models/ untouched
    z = (np.random.default_rng(0).standard_normal((24, loaded.config.latent_dim)) * 1.5).astype(np.float32)
    expected = to_uint8(loaded.fast.decode(z))
    page = browser.new_page()
    try:
        page.set_content("<html><body></body></html>")
        page.add_script_tag(content=DECODER_JS)
        got = page.evaluate("""([b64, zs]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const d = new LatentDecoder.Decoder(bytes);
            return zs.map(z => Array.from(LatentDecoder.toUint8(d.decode(z)))); }""",
                            [base64.b64encode(data).decode(), z.tolist()])
    finally:
        page.close()
    got = np.asarray(got, np.uint8).reshape(-1, 28, 28)
    assert np.abs(got.astype(int) - expected).max() <= 1


def test_component_files_are_in_the_repository():
    """No CDN: the component's script is the repository's own files."""
    folder = Path(PROJECT / "ui" / "latent_plane")
    text = (folder / "decoder.js").read_text() + (folder / "plane.js").read_text()
    assert "http" not in text and "import " not in text
