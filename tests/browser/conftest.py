"""A real `streamlit run app.py` on a free local port, driven by Playwright in Debian's Chromium (devtools.browser)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devtools.browser import CHROMIUM, chromium, free_port, no_errors, start_server, stop_server, wait_idle
from tests.conftest import PROJECT

__all__ = ["SCREENSHOTS", "no_errors", "wait_idle"]  # re-exported for the browser tests
SCREENSHOTS = Path(os.environ.get("VAE_SCREENSHOT_DIR", PROJECT / "artifacts" / "screenshots"))


@pytest.fixture(scope="session")
def server(store_root, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    port = free_port()
    process = start_server(store_root, port, log)
    yield f"http://127.0.0.1:{port}", process, log
    stop_server(process)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup.sh --dev` as root (apt-get install chromium)")
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    pg.set_default_timeout(120_000)
    yield pg
    context.close()
