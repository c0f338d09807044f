"""The app in a real browser: `streamlit run app.py` on a free local port, driven by Playwright in system Chromium.

Shared by the browser tests, the benchmarks and the screenshot script. Playwright is imported only inside the
functions that need it, so importing this module costs nothing.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# Debian's package (scripts/setup.sh --dev), or another build named by VAE_CHROMIUM; Playwright's download is not used
CHROMIUM = os.environ.get("VAE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# URL path of every page (app.py's PAGES), by short name
PAGES = {"explorer": "", "training": "training", "projections": "projections",
         "reconstructions": "reconstructions", "samples": "samples"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(models: Path, port: int, log: Path, cwd: Path = PROJECT, env: dict | None = None,
                 extra_args: tuple[str, ...] = ()) -> subprocess.Popen:
    """`streamlit run <project>/app.py` on 127.0.0.1:`port` with models from `models`; waits until it answers.

    Raises:
        RuntimeError: the server did not answer within 90 s (the end of its log is in the message).
    """
    env = {**(os.environ if env is None else env), "VAE_MODELS_DIR": str(models), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT / "app.py"), "--server.port", str(port),
           "--server.headless", "true", *extra_args]
    # A session of its own, as a server started from its own terminal or service has: Linux's scheduler
    # (autogroup) then shares the CPU between the server and the browsers driving it, rather than giving each of
    # sixteen browser processes the server's share (bench/RESULTS.md, the load test).
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            break
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    process.wait(timeout=30)
    raise RuntimeError(f"streamlit did not start; log: {log.read_text()[-2000:]}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@contextmanager
def chromium():
    """Headless system Chromium under Playwright; yields the browser.

    Raises:
        RuntimeError: /usr/bin/chromium is missing (install it with `bash scripts/setup.sh --dev` as root).
    """
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `bash scripts/setup.sh --dev` as root (apt-get install "
                           "chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served_app(models: Path, log: Path):
    """Start the app on a free port and headless Chromium; yield (url, server process, browser); stop both."""
    port = free_port()
    process = start_server(models, port, log)
    try:
        with chromium() as browser:
            yield f"http://127.0.0.1:{port}", process, browser
    finally:
        stop_server(process)


BUSY = ("() => !!document.querySelector('[data-stale=\"true\"], [data-testid*=Spinner], [data-testid*=Skeleton], "
        "[data-testid=stStatusWidgetRunningIcon]') || [...document.images].some(i => !i.complete)")


# The explorer's latent plane, whichever way it is drawn (the latent-plane component's canvas, or a Plotly chart),
# and the server's answer to a click on it: the page's "… z = (…)" text changes and every image has loaded.
PLANE_AREA = ".lp-overlay, .js-plotly-plot .nsewdrag"
# the latent-plane component's script has started and decoded its first z (it then handles pointer events)
PLANE_READY_JS = "() => !!document.querySelector('.lp-root')?.latentPlane?.shownZ"
Z_TEXT_JS = ("() => { const m = [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
             ".find(e => e.innerText.includes('z = (')); return m ? m.innerText : null; }")
ANSWERED_JS = ("([before]) => { const m = [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
               ".find(e => e.innerText.includes('z = (')); return !!m && m.innerText !== before"
               " && [...document.images].every(i => i.complete); }")
EXCEPTIONS_JS = "() => [...document.querySelectorAll('[data-testid=stException]')].map(e => e.innerText.slice(0, 500))"
BROKEN_IMAGES_JS = "() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).length"


# Resolves true once the page has been calm (BUSY false) for quiet_ms, false after timeout_ms. It checks in the page
# every 100 ms: one DevTools call a wait rather than one a check from Python, which costs CPU in Chromium,
# Playwright's driver and Python in every session at once.
IDLE_JS = ("([quietMs, timeoutMs]) => new Promise((resolve) => { const busy = " + BUSY + ";"
           " const start = performance.now(); let calm = null; const tick = () => {"
           " const now = performance.now(); if (busy()) calm = null; else if (calm === null) calm = now;"
           " else if (now - calm >= quietMs) return resolve(true);"
           " if (now - start >= timeoutMs) return resolve(false); setTimeout(tick, 100); }; tick(); })")


def wait_idle(pg, quiet: float = 1.2, timeout: float = 300) -> None:
    """Wait until the page has shown no spinner, skeleton or stale element for `quiet` seconds."""
    pg.wait_for_selector("[data-testid=stApp]")
    if not pg.evaluate(IDLE_JS, [quiet * 1000, timeout * 1000]):
        raise TimeoutError("the page kept running")


def page_errors(pg) -> list[str]:
    """Exceptions shown on the page and images that failed to load (empty when all is well)."""
    errors = pg.evaluate(EXCEPTIONS_JS)
    broken = pg.evaluate(BROKEN_IMAGES_JS)
    return errors + ([f"{broken} images failed to load"] if broken else [])


def no_errors(pg) -> None:
    errors = page_errors(pg)
    assert not errors, errors


def plane_point(pg, fx: float, fy: float) -> tuple[float, float]:
    """Page coordinates of the point at fractions (fx, fy) across the explorer's plane (0.15-0.85 stays inside the
    axes whichever way the plane is drawn)."""
    box = pg.locator(PLANE_AREA).first.bounding_box()  # waits until the plane is drawn
    if pg.locator(".lp-root").count():  # the component: its script must have started, or a click is lost
        pg.wait_for_function(PLANE_READY_JS, timeout=120_000)
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


def click_plane(pg, fx: float, fy: float, timeout: float = 30) -> float:
    """Click the explorer's plane; return the seconds until the server's answer (new z, its images) is on screen."""
    x, y = plane_point(pg, fx, fy)
    before = pg.evaluate(Z_TEXT_JS)
    start = time.perf_counter()
    pg.mouse.click(x, y)
    pg.wait_for_function(ANSWERED_JS, arg=[before], timeout=timeout * 1000)
    return time.perf_counter() - start


def shown_z(pg) -> list[float]:
    """The explorer's current z, read from its text "z = (…)"."""
    return [float(v) for v in re.search(r"z = \(([^)]*)\)", pg.evaluate(Z_TEXT_JS)).group(1).split(",")]


def upload(pg, name: str, data: bytes, mime: str = "image/png") -> None:
    """Put a file into the page's file uploader and wait for the page to settle."""
    pg.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    wait_idle(pg)


def model_loads(pg) -> str:
    """The sidebar's Diagnostics line "Model loads in this process: name ×n, …"."""
    pg.get_by_text("Diagnostics").click()
    time.sleep(0.3)
    return pg.get_by_text("Model loads in this process").inner_text()


def parse_model_loads(text: str) -> dict[str, int]:
    """{"default": 1, …} from model_loads()' text."""
    return {name: int(n) for name, n in re.findall(r"([\w.-]+) ×(\d+)", text)}
