"""The served app answers every page, with a VAE and an autoencoder, without TensorFlow in its process."""

import psutil
import pytest

from tests.browser.conftest import no_errors, wait_idle

pytestmark = pytest.mark.browser
EVERY_PAGE = ("", "training", "projections", "reconstructions", "samples", "compare", "interpolation", "holes",
              "anomalies", "representations", "train")  # app.py's pages by URL path ("" is the explorer)


def _choose_model(page, name):
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name=name, exact=True).click()
    wait_idle(page)


def test_every_page_with_two_models_maps_no_tensorflow(server, page):
    url, process, _ = server
    page.goto(url)
    wait_idle(page)
    for model in ("tiny", "tinyae"):
        _choose_model(page, model)
        for path in EVERY_PAGE:  # through the sidebar's links: one session throughout
            page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']").first.click()
            wait_idle(page)
            no_errors(page)
    maps = [m.path for m in psutil.Process(process.pid).memory_maps()]
    assert any("numpy" in p for p in maps)  # the listing does show the libraries the server loaded
    assert not [p for p in maps if "tensorflow" in p or "_pywrap" in p or "keras" in p]
