"""The applications pages in headless Chromium: each renders its figures without an error."""

import pytest

from tests.browser.conftest import SCREENSHOTS, no_errors, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path,heading,shown", [
    ("anomalies", "Anomalies", "python -m vae_core anomaly"),  # the last line of each page
    ("representations", "Representations", "python -m vae_core compress"),
])
def test_application_page_renders(server, page, path, heading, shown):
    url, _, _ = server
    page.goto(f"{url}/{path}")
    page.get_by_text(shown).first.wait_for(timeout=240_000)  # computed on the first visit (then cached)
    wait_idle(page)
    no_errors(page)
    assert page.locator("h1").first.inner_text().strip() == heading
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path}.png"), full_page=True)
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)  # both charts were drawn
