"""The app as a user feels it, on the shipped model, in headless Chromium.

    python -m bench.app_latency [--clicks 50]

1. server start -> first page (the latent explorer) rendered: from launching `streamlit run app.py` until the plane
   and the pinned z are on screen;
2. click -> the server's answer shown: from a mouse click on the latent plane until the page shows the new z and
   every image it brought (the nearest test digits) has loaded, over N clicks at different points (p50 / p95).
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
    parser.add_argument("--clicks", type=int, default=50, help="clicks on the latent plane to time (default: 50)")
    args = parser.parse_args()
    with B.chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.set_default_timeout(300_000)
        port = B.free_port()
        start = time.perf_counter()
        server = B.start_server(models_root(), port, Path("/tmp/vae-latency-server.log"))
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(B.PLANE_AREA).first.wait_for()
            page.wait_for_function(B.Z_TEXT_JS)
            first_page = time.perf_counter() - start
            B.wait_idle(page)
            times = []
            for k in range(args.clicks):
                times.append(B.click_plane(page, 0.15 + (k * 0.137) % 0.7, 0.15 + (k * 0.089) % 0.7))
                B.wait_idle(page, quiet=0.5)  # the page settles before the next click
            B.no_errors(page)
        finally:
            B.stop_server(server)
    q = statistics.quantiles(times, n=20)
    print(f"| server start → first page rendered | {first_page:.1f} s | target < 10 s |")
    print(f"| click → the server's answer shown ({len(times)} clicks on the latent plane) | "
          f"p50 {statistics.median(times) * 1e3:.0f} ms, p95 {q[18] * 1e3:.0f} ms | target p50 < 300 ms, p95 < 1 s |")


if __name__ == "__main__":
    main()
