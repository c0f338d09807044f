"""A real `streamlit run app.py` on a free local port, driven by Playwright in Debian's Chromium (devtools.browser)."""

from __future__ import annotations

import os
import time
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


def draw_stroke(page, canvas) -> None:
    """One stroke of a 7 down the drawing canvas (Fabric.js's upper canvas, which takes the strokes)."""
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
