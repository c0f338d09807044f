"""The lean server against the Keras server, measured in the same run (issue 19's targets).

    python -m bench.lean_server [--rounds 2] [--models default latent16-lowbeta]

Each round starts the app twice, alternating which goes first: once as shipped (vae_core.lean: NumPy inference, no
TensorFlow in the process) and once with VAE_SERVER_KERAS=1 (every model loaded with Keras, as the server did
before). For each start it measures

1. launch -> explorer drawn: from launching `streamlit run app.py` until a browser's latent plane has decoded its
   first z (the page is then usable);
2. memory: the server's RSS after one browser session visits every page with the first model, then every page
   with the second (through the sidebar's links), and the most it held after any page.

Prints one Markdown row per start, then the medians by server. Targets: launch -> drawn < 5 s, RSS after every page
with two models < 450 MiB. Exit status 1 if a page showed an error.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import psutil

from bench.app_memory import EVERY_PAGE, choose_model, exit_with, mib
from devtools import browser as B
from vae_core.store import models_root

LOG = Path("/tmp/vae-bench-lean.log")


def one_start(browser, keras: bool, models: list[str]) -> tuple[float, int, int, list[str]]:
    """(launch -> drawn s, RSS after every page, highest RSS after a page, errors) of one server start."""
    env = {**os.environ, "VAE_SERVER_KERAS": "1" if keras else "0"}
    port = B.free_port()
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(600_000)
    start = time.perf_counter()
    server = B.start_server(models_root(), port, LOG, env=env)
    try:
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_function(B.PLANE_READY_JS, polling=50)
        drawn = time.perf_counter() - start
        process, peak, errors = psutil.Process(server.pid), 0, []
        B.wait_idle(page, timeout=900)
        for model in models:
            choose_model(page, model)
            for path in EVERY_PAGE:
                page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']").first.click()
                B.wait_idle(page, timeout=900)
                errors += [f"{model} /{path}: {e}" for e in B.page_errors(page)]
                peak = max(peak, process.memory_info().rss)
        rss = process.memory_info().rss
        if keras != any("tensorflow" in m.path for m in process.memory_maps()):
            errors.append(f"the {'Keras' if keras else 'lean'} server's process {'lacks' if keras else 'maps'} "
                          "TensorFlow")
    finally:
        B.stop_server(server)
        context.close()
    return drawn, rss, peak, errors


def main() -> None:
    parser = argparse.ArgumentParser(description="Lean server vs Keras server: start and memory (see docstring).")
    parser.add_argument("--rounds", type=int, default=2, help="starts of each server, alternating (default: 2)")
    parser.add_argument("--models", nargs=2, default=["default", "latent16-lowbeta"], metavar="NAME")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, int, int]]] = {"lean": [], "keras": []}
    errors: list[str] = []
    print("| round | server | launch → explorer drawn | RSS after every page, two models | highest after a page |")
    print("|---|---|---|---|---|")
    with B.chromium() as browser:
        for k in range(args.rounds):
            for keras in ((False, True) if k % 2 == 0 else (True, False)):
                name = "keras" if keras else "lean"
                drawn, rss, peak, found = one_start(browser, keras, args.models)
                results[name].append((drawn, rss, peak))
                errors += found
                print(f"| {k + 1} | {name} | {drawn:.1f} s | {mib(rss)} | {mib(peak)} |", flush=True)
    for name, rows in results.items():
        print(f"| median | {name} | {statistics.median(r[0] for r in rows):.1f} s | "
              f"{mib(statistics.median(r[1] for r in rows))} | {mib(statistics.median(r[2] for r in rows))} |")
    exit_with(errors)


if __name__ == "__main__":
    main()
