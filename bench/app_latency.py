"""The app as a user feels it, on the shipped model, in headless Chromium.

    python -m bench.app_latency [--clicks 50] [--dots 2000]

1. server start -> first page (the latent explorer) rendered: from launching `streamlit run app.py` until the
   decoded image and the plot are on screen;
2. click -> decoded image shown: from the mouse click on the latent plane until the new z is written and the new
   image has loaded, over N clicks at different points (p50 / p95), with the explorer showing --dots test digits
   (the page's "Test digits shown" control; the default is the page's own default).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from devtools import browser as B
from vae_core.store import models_root


def main() -> None:
    parser = argparse.ArgumentParser(description="Server start and click latency of the app in headless Chromium.")
    parser.add_argument("--clicks", type=int, default=50, help="clicks on the latent plane to time")
    parser.add_argument("--dots", type=int, default=None, help="pick this many test digits on the plane first")
    args = parser.parse_args()
    with B.chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.set_default_timeout(300_000)
        port = B.free_port()
        start = time.perf_counter()
        server = B.start_server(models_root(), port, Path("/tmp/vae-latency-server.log"))
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(".js-plotly-plot .nsewdrag")
            page.wait_for_function(B.DECODED_SRC_JS)
            first_page = time.perf_counter() - start
            B.wait_idle(page)
            if args.dots:
                page.locator("button", has=page.get_by_text(f"{args.dots:,}", exact=True)).click()
                B.wait_idle(page)
            dots = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullData"
                                 ".filter(t => t.name.startsWith('digit')).reduce((n, t) => n + t.x.length, 0)")
            times = []
            for k in range(args.clicks):
                x, y = -3.0 + (k * 0.37) % 6.0, 2.5 - (k * 0.23) % 5.0
                before_z, before_src = B.shown_z(page), page.evaluate(B.DECODED_SRC_JS)
                t0 = time.perf_counter()
                page.mouse.click(*B.to_page_xy(page, x, y))
                page.wait_for_function(B.NEW_DECODED_JS, arg=[before_src], timeout=30_000)
                times.append(time.perf_counter() - t0)
                assert B.shown_z(page) != before_z
                B.wait_idle(page, quiet=0.5)  # the plot redraws after the image; the next click waits for it
        finally:
            B.stop_server(server)
    q = statistics.quantiles(times, n=20)
    print(f"| server start → first page rendered | {first_page:.1f} s | target < 10 s |")
    print(f"| click → decoded image shown ({len(times)} clicks, {dots:,} digits on the plane) | "
          f"p50 {statistics.median(times) * 1e3:.0f} ms, p95 {q[18] * 1e3:.0f} ms | target p50 < 300 ms, p95 < 1 s |")


if __name__ == "__main__":
    main()
