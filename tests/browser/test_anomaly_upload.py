"""The Anomalies page's digit input in headless Chromium: the shared widget's Draw tab scores a drawn digit."""

import pytest

from tests.browser.conftest import draw_stroke, no_errors, wait_idle

pytestmark = pytest.mark.browser


def test_a_drawn_digit_is_placed_among_the_test_digits(server, page):
    url, _, _ = server
    page.goto(f"{url}/anomalies")
    page.get_by_text("python -m vae_core anomaly").first.wait_for(timeout=240_000)
    wait_idle(page)
    page.get_by_text("Where does your image fall?").click()
    page.get_by_role("tab", name="Draw").click()
    draw_stroke(page, page.locator("[data-testid=stExpander] canvas").last)
    page.get_by_text("of the MNIST test digits scored here").wait_for(timeout=60_000)  # shown: the box stayed open
    wait_idle(page)
    no_errors(page)
    assert "preprocessed 28×28 input" in page.inner_text("body")
