"""The app under four browser sessions on the shipped model: errors, model loads and peak server memory.

    python -m bench.app_load [--sessions 4] [--clicks 25]

Starts `streamlit run app.py` on models/, opens every page once, then has N headless-Chromium sessions click in the
latent explorer at the same time, sampling the server's RSS every 50 ms; prints a Markdown table row.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import psutil

from tests.browser.conftest import no_errors, served_app, wait_idle
from tests.browser.test_e2e import PAGES, _diagnostics, _to_page_xy
from vae_core.store import models_root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--clicks", type=int, default=25)
    args = parser.parse_args()
    stop = threading.Event()
    with served_app(models_root(), Path("/tmp/vae-bench-server.log")) as (url, server, browser):
        proc = psutil.Process(server.pid)
        peak = [proc.memory_info().rss]

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], proc.memory_info().rss)
                time.sleep(0.05)

        threading.Thread(target=sample, daemon=True).start()
        try:
            first = browser.new_page(viewport={"width": 1400, "height": 1400})
            first.set_default_timeout(600_000)
            for path in PAGES.values():
                first.goto(f"{url}/{path}")
                wait_idle(first, timeout=900)
                no_errors(first)
            after_pages = proc.memory_info().rss
            pages = [browser.new_page(viewport={"width": 1400, "height": 1400}) for _ in range(args.sessions)]
            for page in pages:
                page.set_default_timeout(120_000)
                page.goto(url)
            for page in pages:
                wait_idle(page)
            for r in range(args.clicks):
                for k, page in enumerate(pages):
                    page.mouse.click(*_to_page_xy(page, -3.0 + (r % 12) * 0.5, 2.5 - 0.4 * k))
                time.sleep(0.15)
            for page in pages:
                wait_idle(page)
                no_errors(page)
            loads = _diagnostics(pages[0])
        finally:
            stop.set()
    print(f"| {args.sessions} sessions × {args.clicks} clicks, shipped model | after visiting every page: "
          f"{after_pages / 2**20:.0f} MiB | peak: {peak[0] / 2**20:.0f} MiB | errors: 0 | {loads} |")


if __name__ == "__main__":
    main()
