"""Four browser sessions use the explorer at once: no errors, one model load, bounded server memory."""

from __future__ import annotations

import time

import psutil
import pytest

from devtools.browser import click_plane, model_loads, no_errors, plane_point, shown_z, wait_idle

pytestmark = pytest.mark.browser
SESSIONS, ROUNDS = 4, 6


def test_four_sessions_click_at_once(server, browser):
    url, process, _ = server
    server_proc = psutil.Process(process.pid)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1400}) for _ in range(SESSIONS)]
    pages = [c.new_page() for c in contexts]
    try:
        for page in pages:
            page.set_default_timeout(120_000)
            page.goto(url)
        for page in pages:
            wait_idle(page)
            no_errors(page)
        before = [shown_z(page) for page in pages]
        rss = [server_proc.memory_info().rss]
        for r in range(ROUNDS):
            for k, page in enumerate(pages):  # fire the clicks without waiting: the runs overlap on the server
                page.mouse.click(*plane_point(page, 0.15 + 0.12 * r, 0.2 + 0.15 * k))
            time.sleep(0.2)
            rss.append(server_proc.memory_info().rss)
        for page, z in zip(pages, before, strict=True):
            wait_idle(page)
            # no exception and no broken image on any page: the nearest digits travel inside the answer (a data
            # URL), so a rerun that a newer click superseded leaves no media file that Streamlit has dropped
            no_errors(page)
            assert shown_z(page) != z  # the server answered the clicks
            click_plane(page, 0.5, 0.5)
            wait_idle(page)
            no_errors(page)
        rss.append(server_proc.memory_info().rss)
        loads = model_loads(pages[0])
        assert "tiny ×1" in loads, loads
        growth = (max(rss) - rss[0]) / 2**20
        print(f"server RSS: start {rss[0] / 2**20:.0f} MiB, peak {max(rss) / 2**20:.0f} MiB, growth {growth:.0f} MiB")
        assert growth < 300, f"server memory grew by {growth:.0f} MiB during {SESSIONS}x{ROUNDS} clicks"
    finally:
        for c in contexts:
            c.close()
