"""The app under many browser sessions at once, on the shipped model.

    python -m bench.app_load [--sessions 4] [--clicks 25]              # each session clicks --clicks times
    python -m bench.app_load --sessions 16 --duration 120              # each session works for 120 s

Starts `streamlit run app.py` on models/ and opens every page once (first-time caches built), then N headless-Chromium
sessions (one browser context each, all at the same time) use the app as people would, round after round: three
clicks on the latent explorer's plane (each timed from the click until the server's answer, the new z and its
nearest digits, is on screen), a switch to another page through the sidebar, an upload of a different test digit on
the Reconstructions page, and back to the explorer. The clock starts when every session has its page open.

A click's own image, the decoded digit at the clicked z, is drawn by the page itself (ui/latent_plane decodes in
the browser): the page times each click to that paint with performance.now (`stats.clickMs`, kept when the bench
asks: bench.browser_decode.TIMINGS_ON). The server's own part
of each click is timed too, from the browser's network log (Chrome DevTools Protocol, in the
browser process, not the page's renderer): from the websocket frame the click sends to the first frame back that
carries the new "Pinned z". On this machine the sixteen pages' renderers and the server share two cores, so the
on-screen figure includes the wait for a renderer; the network figure is what the server adds.

Counted as errors: an exception or a broken image on a page, an upload with no result, a click with no answer within
30 s, any step that times out, a traceback in the server's log. Model loads per model come from the sidebar's
Diagnostics; the server's RSS is sampled every 50 ms. Prints a Markdown table row; exits 1 on any error or when a
model was loaded more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import io
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

import psutil

from bench.browser_decode import TIMINGS_ON
from devtools import browser as B
from vae_core.store import models_root

LOG = Path("/tmp/vae-bench-server.log")
CLICKS_PER_ROUND = 3
SWITCH_TO = ("training", "projections", "samples")  # one per round, in turn
STEP_TIMEOUT = 300  # seconds a page may take to settle under load before it counts as an error


ANSWER_MARK = b"Pinned **z** = ("  # the fragment's answer to a click (ui/latent_plane)
# click -> its decoded digit painted, as the page timed them (performance.now), taken out of the page's list
PAINTED_JS = "() => { const s = document.querySelector('.lp-root').latentPlane.stats.clickMs; return s.splice(0); }"


class Stats:
    def __init__(self) -> None:
        self.click_seconds: list[float] = []
        self.server_seconds: list[float] = []  # click's frame sent -> answer's frame received (network log)
        self.paint_ms: list[float] = []  # click -> its decoded digit painted, timed by the page (last explorer visit)
        self.switches = self.uploads = 0
        self.errors: list[str] = []
        self.cpu: dict[str, float] = {}  # CPU seconds during the sessions, by whom (CpuLog)


async def wait_idle(page, quiet: float = 1.0, timeout: float = STEP_TIMEOUT) -> None:
    """devtools.browser.wait_idle for Playwright's async API."""
    await page.wait_for_selector("[data-testid=stApp]")
    if not await page.evaluate(B.IDLE_JS, [quiet * 1000, timeout * 1000]):
        raise TimeoutError(f"the page kept running for {timeout} s")


async def page_errors(page) -> list[str]:
    errors = await page.evaluate(B.EXCEPTIONS_JS)
    broken = await page.evaluate(B.BROKEN_IMAGES_JS)
    return errors + ([f"{broken} images failed to load"] if broken else [])


async def go(page, path: str) -> None:
    """Switch page through the sidebar's navigation, as a user does (same session, no reload)."""
    await page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']").first.click()
    await wait_idle(page)


class FrameLog:
    """The page's websocket frames from the DevTools protocol: (timestamp, payload has ANSWER_MARK) per direction."""

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.answers: list[float] = []

    async def attach(self, page) -> None:
        cdp = await page.context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", lambda e: self.sent.append(e["timestamp"]))
        cdp.on("Network.webSocketFrameReceived", self._received)
        await cdp.send("Network.enable")

    def _received(self, event) -> None:
        frame = event["response"]
        data = base64.b64decode(frame["payloadData"]) if frame.get("opcode") == 2 else frame["payloadData"].encode()
        if ANSWER_MARK in data:
            self.answers.append(event["timestamp"])

    def server_seconds(self, sent_from: int, answers_from: int) -> float | None:
        """Seconds from the first frame sent since `sent_from` to the first answer after it, if both are logged."""
        if len(self.sent) <= sent_from:
            return None
        start = self.sent[sent_from]
        later = [t for t in self.answers[answers_from:] if t >= start]
        return later[0] - start if later else None


async def timed_click(page, fx: float, fy: float, frames: FrameLog, stats: Stats) -> float:
    """devtools.browser.click_plane for the async API: seconds from the click to the server's answer on screen
    (and the server's part, from the network log, into stats.server_seconds)."""
    # polling every 25 ms, not Playwright's default of every animation frame: sixteen pages evaluating a predicate
    # 60 times a second kept their renderers drawing frames, CPU taken from the app being measured
    await page.wait_for_function(B.PLANE_READY_JS, timeout=120_000, polling=25)  # a click before it starts is lost
    box = await page.locator(B.PLANE_AREA).first.bounding_box()
    before = await page.evaluate(B.Z_TEXT_JS)
    marks = len(frames.sent), len(frames.answers)
    start = time.perf_counter()
    await page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    await page.wait_for_function(B.ANSWERED_JS, arg=[before], timeout=30_000, polling=25)
    seconds = time.perf_counter() - start
    await wait_idle(page, quiet=0.5)  # the page settles before the next click
    server = frames.server_seconds(*marks)
    if server is not None:
        stats.server_seconds.append(server)
    return seconds


@functools.cache
def _test_digits():
    from vae_core.data import load_mnist

    return load_mnist().x_test


def digit_png(index: int) -> bytes:
    """A test digit as a user would upload it: dark ink on white, 200x200 pixels."""
    from PIL import Image

    digit = _test_digits()[index % 10_000, ..., 0]
    buffer = io.BytesIO()
    Image.fromarray((255 - digit * 255).astype("uint8")).resize((200, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def session(k: int, browser, url: str, opened: asyncio.Barrier, done, stats: Stats,
                  network_log: bool = True) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1400})
    await context.add_init_script(TIMINGS_ON)
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT * 1000)
    frames = FrameLog()
    if network_log:
        await frames.attach(page)
    step = "opening the explorer"
    try:
        try:
            await page.goto(url)
            await wait_idle(page)
        finally:
            await opened.wait()  # the clock starts when every session has its page open
        rounds = clicks = 0
        while not (rounds and done(clicks)):  # at least one round each
            for i in range(CLICKS_PER_ROUND):
                step = "a click in the explorer"
                n = rounds * CLICKS_PER_ROUND + i
                fx, fy = 0.15 + (k * 0.071 + n * 0.137) % 0.7, 0.15 + (k * 0.053 + n * 0.089) % 0.7
                stats.click_seconds.append(await timed_click(page, fx, fy, frames, stats))
                clicks += 1
            stats.paint_ms += await page.evaluate(PAINTED_JS)
            step = f"switching to {SWITCH_TO[rounds % len(SWITCH_TO)]}"
            await go(page, SWITCH_TO[rounds % len(SWITCH_TO)])
            stats.switches += 1
            stats.errors += [f"session {k}, {step}: {e}" for e in await page_errors(page)]
            step = "an upload"
            await go(page, "reconstructions")
            await page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
                files=[{"name": f"digit-{k}-{rounds}.png", "mimeType": "image/png",
                        "buffer": digit_png(k * 613 + rounds)}])
            await page.get_by_text("preprocessed 28×28 input").first.wait_for()
            await wait_idle(page)
            stats.uploads += 1
            stats.errors += [f"session {k}, {step}: {e}" for e in await page_errors(page)]
            step = "back to the explorer"
            await go(page, "")
            stats.switches += 2
            rounds += 1
    except Exception as exc:  # a timeout or a broken page ends this session and counts as one error
        stats.errors.append(f"session {k}, {step}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    finally:
        await context.close()


class CpuLog:
    """CPU seconds of the server, of every Chromium process and of this bench (Python and Playwright's driver),
    sampled with the RSS: a renderer's last reading is kept after it exits (a session's context closes before the
    end), so the totals say where the machine's time went during the sessions."""

    def __init__(self, server: psutil.Process) -> None:
        self.server = server
        self.start: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.lock = threading.Lock()  # sampled by the RSS thread, read by the bench

    def sample(self) -> None:
        with self.lock:
            self._sample()

    def _sample(self) -> None:
        me = psutil.Process()
        for process in [self.server, me, *me.children(recursive=True)]:
            try:
                times, name = process.cpu_times(), process.name()
            except psutil.Error:  # a renderer that has just exited
                continue
            kind = "server" if process.pid == self.server.pid else "chromium" if "chrom" in name else "bench"
            self.last[process.pid] = kind, times.user + times.system

    def mark_start(self) -> None:
        with self.lock:
            self._sample()
            self.start = {pid: seconds for pid, (_, seconds) in self.last.items()}

    def totals(self) -> dict[str, float]:
        with self.lock:
            self._sample()
            totals = {"server": 0.0, "chromium": 0.0, "bench": 0.0}
            for pid, (kind, seconds) in self.last.items():
                totals[kind] += seconds - self.start.get(pid, 0.0)
            return totals


async def run(url: str, args: argparse.Namespace, stats: Stats, server: psutil.Process,
              cpu: CpuLog) -> tuple[float, int, dict]:
    """Warm up, run the sessions; return (their wall time, server RSS after the warm-up, model loads per model)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=B.CHROMIUM, args=B.CHROMIUM_ARGS)
        first = await browser.new_page(viewport={"width": 1400, "height": 1400})
        first.set_default_timeout(900_000)
        started = time.perf_counter()
        for path in B.PAGES.values():  # every page once: the first-time caches are built before the sessions
            await first.goto(f"{url}/{path}")
            await wait_idle(first, timeout=900)
            stats.errors += [f"first visit of /{path}: {e}" for e in await page_errors(first)]
        warm_rss = server.memory_info().rss
        print(f"warm-up (every page once): {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        start = [0.0]
        opened = asyncio.Barrier(args.sessions + 1)

        def done(clicks: int) -> bool:
            return time.perf_counter() - start[0] >= args.duration if args.duration else clicks >= args.clicks

        sessions = asyncio.gather(*(session(k, browser, url, opened, done, stats, args.network_log)
                                     for k in range(args.sessions)))
        await opened.wait()
        start[0] = time.perf_counter()
        cpu.mark_start()
        print(f"{args.sessions} sessions open: {start[0] - started:.0f} s", file=sys.stderr, flush=True)
        await sessions
        elapsed = time.perf_counter() - start[0]
        stats.cpu = cpu.totals()
        await first.goto(url)
        await wait_idle(first)
        await first.get_by_text("Diagnostics").click()
        await asyncio.sleep(0.3)
        loads = B.parse_model_loads(await first.get_by_text("Model loads in this process").inner_text())
        await browser.close()
    return elapsed, warm_rss, loads


def main() -> None:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop the server on the way out
    parser = argparse.ArgumentParser(description="The app under many browser sessions at once (see the docstring).")
    parser.add_argument("--sessions", type=int, default=4, help="browser sessions at once (default: 4)")
    parser.add_argument("--clicks", type=int, default=25,
                        help="without --duration: clicks in the explorer per session (default: 25)")
    parser.add_argument("--duration", type=float, default=0,
                        help="seconds each session keeps working (rounds of clicks, a page switch and an upload)")
    parser.add_argument("--no-network-log", dest="network_log", action="store_false",
                        help="no DevTools network log (no server's-part figure): Chromium then sends Playwright no "
                             "copy of every websocket frame")
    args = parser.parse_args()
    digit_png(0)  # MNIST loaded before the clock starts
    stats, stop = Stats(), threading.Event()
    port = B.free_port()
    server = B.start_server(models_root(), port, LOG)
    proc = psutil.Process(server.pid)
    peak = [proc.memory_info().rss]
    cpu = CpuLog(proc)

    def sample() -> None:
        ticks = 0
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            if ticks % 10 == 0:  # every 0.5 s
                cpu.sample()
            ticks += 1
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    try:
        elapsed, warm_rss, loads = asyncio.run(run(f"http://127.0.0.1:{port}", args, stats, proc, cpu))
    finally:
        stop.set()
        B.stop_server(server)
    tracebacks = LOG.read_text(errors="replace").count("Traceback")
    stats.errors += [f"{tracebacks} tracebacks in the server log {LOG}"] if tracebacks else []
    times = sorted(stats.click_seconds)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 2 else float("nan")
    paint = sorted(stats.paint_ms)
    paint_text = (f"click → decoded digit painted (the page's own timing, {len(paint)} clicks): p50 "
                  f"{statistics.median(paint):.0f} ms, p95 {statistics.quantiles(paint, n=20)[18]:.0f} ms; "
                  if len(paint) >= 2 else "")
    server = sorted(stats.server_seconds)
    server_text = (f"server's part (network log, {len(server)} clicks): p50 {statistics.median(server) * 1e3:.0f} "
                   f"ms, p95 {statistics.quantiles(server, n=20)[18] * 1e3:.0f} ms" if len(server) >= 2
                   else "no network log")
    work = f"{args.duration:.0f} s" if args.duration else f"{args.clicks} clicks"
    print(f"| {args.sessions} sessions × {work} (explorer clicks, page switches, uploads), shipped model, "
          f"{elapsed:.0f} s | {paint_text}{len(times)} clicks → server's answer on screen: "
          f"p50 {statistics.median(times) * 1e3:.0f} ms, "
          f"p95 {p95 * 1e3:.0f} ms; {server_text} | {stats.switches} page switches, {stats.uploads} uploads | "
          f"errors: {len(stats.errors)} | model loads: {', '.join(f'{n} ×{c}' for n, c in sorted(loads.items()))} | "
          f"server RSS after visiting every page {warm_rss / 2**20:.0f} MiB, peak {peak[0] / 2**20:.0f} MiB |"
          if times else f"| no click completed | errors: {len(stats.errors)} |")
    if stats.cpu:
        print("CPU seconds during the sessions: " + ", ".join(f"{k} {v:.0f} s" for k, v in stats.cpu.items())
              + f" (over {elapsed:.0f} s on {psutil.cpu_count()} CPUs)", file=sys.stderr)
    for error in stats.errors[:20]:
        print(f"error: {error}", file=sys.stderr)
    if stats.errors or any(c != 1 for c in loads.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
