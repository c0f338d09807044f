"""The Train page in headless Chromium: start a tiny run from the form, watch its progress and loss curves (also
after a reload), stop it, and find the saved model. Its own server on an empty store, so the shared test store
keeps its models."""

from __future__ import annotations

import json
import os
import re
import signal

import pytest

from devtools.browser import free_port, no_errors, start_server, stop_server, wait_idle
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture()
def empty_server(tmp_path, mnist):
    models = tmp_path / "models"
    models.mkdir()
    port = free_port()
    process = start_server(models, port, tmp_path / "streamlit.log")
    yield f"http://127.0.0.1:{port}", models
    stop_server(process)
    for progress in models.glob(".train-*.json"):  # a run the test left behind (it failed half way): end it
        pid = json.loads(progress.read_text()).get("pid")
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _number(page, label: str, value: int) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Tab")


def test_train_page_starts_watches_and_stops_a_run(empty_server, page):
    url, models = empty_server
    page.goto(f"{url}/train")
    wait_idle(page)
    no_errors(page)
    assert page.locator("h1").first.inner_text().strip() == "Train a model"

    page.get_by_label("Model name", exact=True).fill("browserrun")
    _number(page, "Epochs (at most)", 60)
    _number(page, "Training digits", 256)
    _number(page, "Validation digits", 128)
    page.get_by_text("Evaluate afterwards").click()  # off: no test-set evaluation after the run
    page.get_by_role("button", name="Start training").click()

    body = page.locator("body")
    page.wait_for_function("() => /epoch [2-9]\\d*\\/60/.test(document.body.innerText)", timeout=240_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # live loss curves
    assert "Model browserrun" in body.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "train.png"))

    page.reload()  # the job lives in the server, not in the page: it is found again
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped on request").wait_for(timeout=120_000)
    no_errors(page)
    shown = re.search(r"'browserrun', (\d+) epochs", body.inner_text())
    run = json.loads((models / "browserrun" / "config.json").read_text())["run"]
    assert run["stopped_by_request"] and shown and int(shown.group(1)) == run["epochs_run"] < 60
    assert (models / "browserrun" / "model.keras").is_file()
