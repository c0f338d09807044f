"""A real `streamlit run app.py` on a free local port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import PROJECT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("VAE_SCREENSHOT_DIR", PROJECT / "artifacts" / "screenshots"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(models: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "VAE_MODELS_DIR": str(models), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not start; log: {log.read_text()[-2000:]}")


@contextmanager
def served_app(models: Path, log: Path):
    """Start the app on a free port and headless Chromium; yield (url, server process, browser); stop both."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    process = start_server(models, port, log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield f"http://127.0.0.1:{port}", process, browser
            finally:
                browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(store_root, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    port = free_port()
    process = start_server(store_root, port, log)
    yield f"http://127.0.0.1:{port}", process, log
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    pg.set_default_timeout(120_000)
    yield pg
    context.close()


BUSY = ("() => !!document.querySelector('[data-stale=\"true\"], [data-testid*=Spinner], [data-testid*=Skeleton], "
        "[data-testid=stStatusWidgetRunningIcon]') || [...document.images].some(i => !i.complete)")


def wait_idle(pg, quiet: float = 1.2, timeout: float = 300) -> None:
    """Wait until the page has shown no spinner, skeleton or stale element for `quiet` seconds."""
    pg.wait_for_selector("[data-testid=stApp]")
    deadline = time.time() + timeout
    calm_since = None
    while time.time() < deadline:
        if pg.evaluate(BUSY):
            calm_since = None
        elif calm_since is None:
            calm_since = time.time()
        elif time.time() - calm_since >= quiet:
            return
        time.sleep(0.1)
    raise TimeoutError("the page kept running")


def no_errors(pg) -> None:
    exceptions = [e.inner_text()[:500] for e in pg.locator("[data-testid=stException]").all()]
    assert not exceptions, exceptions
    broken = pg.evaluate("() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).length")
    assert broken == 0, f"{broken} images failed to load"
