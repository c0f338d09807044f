"""The server's memory after one session visits every page with two models, one after the other.

    python -m bench.app_memory [--models default latent16-lowbeta]

Starts `streamlit run app.py` on models/, opens the app in headless Chromium, chooses the first model in the
sidebar and visits every page through the sidebar's links (one browser session throughout), then chooses the second
model and visits every page again. Prints the `streamlit` process's RSS (resident memory, what `ps` and the issue's
target count) and USS (its private part: RSS less the pages of shared libraries it maps) after each page, then one
Markdown table row. A page that shows an exception counts as an error (exit 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psutil

from devtools import browser as B
from vae_core.store import models_root

LOG = Path("/tmp/vae-bench-memory.log")
# every page of app.py, by URL path ("" is the explorer)
EVERY_PAGE = ("", "training", "projections", "reconstructions", "samples", "compare", "interpolation", "holes",
              "anomalies", "representations", "train")


def choose_model(pg, name: str) -> None:
    pg.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    pg.get_by_role("option", name=name, exact=True).click()
    B.wait_idle(pg)


def mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description="Server memory after every page with two models (see docstring).")
    parser.add_argument("--models", nargs=2, default=["default", "latent16-lowbeta"], metavar="NAME",
                        help="the two models, in the order visited (default: default latent16-lowbeta)")
    args = parser.parse_args()
    errors: list[str] = []
    rows = []
    started = time.perf_counter()
    with B.served_app(models_root(), LOG) as (url, server, browser):
        process = psutil.Process(server.pid)
        pg = browser.new_page(viewport={"width": 1400, "height": 1400})
        pg.set_default_timeout(900_000)
        pg.goto(url)
        B.wait_idle(pg, timeout=900)
        for model in args.models:
            choose_model(pg, model)
            for path in EVERY_PAGE:  # through the sidebar's links, as a user does: one session throughout
                pg.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']").first.click()
                B.wait_idle(pg, timeout=900)
                errors += [f"{model} /{path}: {e}" for e in B.page_errors(pg)]
                info = process.memory_full_info()
                rows.append((model, path or "explorer", info.rss, info.uss))
                print(f"{model:18s} {path or 'explorer':16s} RSS {mib(info.rss):>10s}  USS {mib(info.uss):>10s}",
                      file=sys.stderr, flush=True)
        final = process.memory_full_info()
    peak_rss = max(r[2] for r in rows)
    print(f"| every page with `{args.models[0]}`, then every page with `{args.models[1]}` "
          f"({time.perf_counter() - started:.0f} s) | RSS after {mib(final.rss)} (USS {mib(final.uss)}) | "
          f"highest after a page {mib(peak_rss)} | errors: {len(errors)} |")
    exit_with(errors)


def exit_with(errors: list[str]) -> None:
    """Print the first 20 page errors on stderr and exit: status 1 if there were any."""
    for error in errors[:20]:
        print(f"error: {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
