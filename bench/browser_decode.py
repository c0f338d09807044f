"""The latent plane in headless Chromium (no GPU) on a shipped model: the decoder in the page against the server.

    python -m bench.browser_decode [--model default] [--moves 100] [--clicks 20]

1. browser decode of one z: performance.now() around the page's decoder, 200 random z after 20 warm-up calls;
2. pointer move -> new image painted: from the pointermove event's timeStamp to the animation frame after the
   frame that painted its decoding, over --moves moves across the plane (the page times it when the bench asks:
   TIMINGS_ON);
3. click -> pinned point and Python side updated: from the click until Python's "Pinned z" caption shows it;
4. the server round trip, measured in the same run: the page with the component unable to start (the one-line
   fallback), an arrow key on the z1 slider -> the server-decoded image has changed.
The model folder is copied to a temporary store first, so the run writes nothing into models/.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from devtools import browser as B
from vae_core.store import models_root

PLANE = "document.querySelector('.lp-root')?.latentPlane"
# run before the page's scripts: the components keep their last timings (ui/payload.js Timings), which they
# otherwise never take
TIMINGS_ON = "globalThis.__vaeBench = true;"
SERVER_IMG_JS = ("() => { const i = [...document.querySelectorAll('[data-testid=stImage] img')]"
                 ".find(i => i.naturalWidth === 140); return i && i.complete ? i.src : null; }")


def _pinned_text(pg) -> str:
    return pg.locator("[data-testid=stMarkdownContainer]", has_text="Pinned z = (").first.inner_text()


def _p(values: list[float]) -> str:
    q = statistics.quantiles(values, n=20)
    return f"p50 {statistics.median(values):.1f} ms, p95 {q[18]:.1f} ms (n = {len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--moves", type=int, default=100)
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()
    store = Path(tempfile.mkdtemp(prefix="vae-bench-plane-"))
    shutil.copytree(models_root() / args.model, store / args.model, ignore=shutil.ignore_patterns("cache"))
    try:
        with B.served_app(store, store / "streamlit.log") as (url, _, browser):
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.add_init_script(TIMINGS_ON)
            page.set_default_timeout(120_000)
            page.goto(url)
            page.wait_for_function(f"() => !!{PLANE}?.shownZ")
            B.wait_idle(page)
            decode = page.evaluate(f"""() => {{ const p = {PLANE}, d = p.decoder, n = d.latentDim, t = [];
                let s = 1; const r = () => (s = (s * 16807) % 2147483647) / 2147483647 * 6 - 3;
                for (let k = 0; k < 220; k++) {{ const z = Array.from({{length: n}}, r);
                  const t0 = performance.now(); d.decode(z); if (k >= 20) t.push(performance.now() - t0); }}
                return t; }}""")
            page.evaluate(f"() => {{ {PLANE}.stats.paintMs.splice(0); }}")
            x0, y0 = page.evaluate(f"() => {PLANE}.pagePoint(-3, 3)")
            x1, y1 = page.evaluate(f"() => {PLANE}.pagePoint(3, -3)")
            for k in range(args.moves):
                f = k / max(1, args.moves - 1)
                page.mouse.move(x0 + (x1 - x0) * f, y0 + (y1 - y0) * ((k * 7) % args.moves) / args.moves)
                time.sleep(0.03)
            time.sleep(0.5)
            paint = page.evaluate(f"() => {PLANE}.stats.paintMs.slice()")
            clicks = []
            for k in range(args.clicks):
                x, y = -3.0 + (k * 0.37) % 6.0, 2.5 - (k * 0.23) % 5.0
                before = _pinned_text(page)
                t0 = time.perf_counter()
                page.mouse.click(*page.evaluate(f"([x, y]) => {PLANE}.pagePoint(x, y)", [x, y]))
                page.wait_for_function("([b]) => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
                                       ".some(e => e.innerText.includes('Pinned z = (') && e.innerText !== b)",
                                       arg=[before])
                clicks.append((time.perf_counter() - t0) * 1e3)
                B.wait_idle(page, quiet=0.3)
            # today's server round trip: the fallback page, the server decodes each slider step
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            context.add_init_script("HTMLCanvasElement.prototype.getContext = () => null;")
            fallback = context.new_page()
            fallback.set_default_timeout(120_000)
            fallback.goto(url)
            fallback.wait_for_function(SERVER_IMG_JS)
            B.wait_idle(fallback)
            server = []
            slider = fallback.locator("[data-testid=stSlider] input[type=range]").first
            for _ in range(args.clicks):
                before = fallback.evaluate(SERVER_IMG_JS)
                slider.focus()
                t0 = time.perf_counter()
                fallback.keyboard.press("ArrowRight")
                fallback.wait_for_function(f"([b]) => ({SERVER_IMG_JS})() && ({SERVER_IMG_JS})() !== b", arg=[before])
                server.append((time.perf_counter() - t0) * 1e3)
                B.wait_idle(fallback, quiet=0.3)
    finally:
        shutil.rmtree(store, ignore_errors=True)
    rt = statistics.median(server)
    print(f"| browser decode of one z (performance.now in the page) | {_p(decode)} | "
          f"{statistics.median(decode) / rt:.3f}x the server round trip | target p50 ≤ 5 ms |")
    print(f"| pointer move → new image painted | {_p(paint)} | {statistics.median(paint) / rt:.2f}x | "
          "target p50 ≤ 33 ms |")
    print(f"| click → pinned point and Python side updated | {_p(clicks)} | {statistics.median(clicks) / rt:.2f}x | "
          "target p50 ≤ 200 ms |")
    print(f"| server round trip: slider key → server-decoded image shown (fallback page) | {_p(server)} | 1x | |")


if __name__ == "__main__":
    main()
