"""The Anomalies page's digit input in headless Chromium: the shared widget's Draw tab scores a drawn digit."""

import time

import pytest

from tests.browser.conftest import no_errors, wait_idle

pytestmark = pytest.mark.browser


def test_a_drawn_digit_is_placed_among_the_test_digits(server, page):
    url, _, _ = server
    page.goto(f"{url}/anomalies")
    page.get_by_text("python -m vae_core anomaly").first.wait_for(timeout=240_000)
    wait_idle(page)
    page.get_by_text("Where does your image fall?").click()
    page.get_by_role("tab", name="Draw").click()
    canvas = page.locator("[data-testid=stExpander] canvas").last  # Fabric.js's upper canvas takes the strokes
    canvas.wait_for(timeout=60_000)
    wait_idle(page)
    canvas.scroll_into_view_if_needed()
    time.sleep(2)  # Fabric.js sets up its event handlers after the canvas appears
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    for step in range(30):
        page.mouse.move(box["x"] + 140 + step, box["y"] + 40 + step * 7)
    page.mouse.up()
    page.get_by_text("of the MNIST test digits scored here").wait_for(timeout=60_000)  # shown: the box stayed open
    wait_idle(page)
    no_errors(page)
    assert "preprocessed 28×28 input" in page.inner_text("body")
