"""The Train page in headless Chromium: start a tiny run from the form, watch its progress and loss curves (also
after a reload), stop it, and find the saved model; and on a server listening on every interface (reached over
loopback only), no way for a visitor to start anything. Its own servers on empty stores, so the shared test store
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
    _number(page, "Test digits", 128)
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


@pytest.fixture()
def exposed_server(tmp_path, mnist):
    """`streamlit run` on every interface (0.0.0.0) with a training token; the test reaches it at 127.0.0.1."""
    models = tmp_path / "models"
    models.mkdir()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("VAE_EXPOSED", "VAE_TRAIN_TOKEN")}
    process = start_server(models, port, tmp_path / "streamlit.log", env={**env, "VAE_TRAIN_TOKEN": "the-token"},
                           extra_args=("--server.address", "0.0.0.0"))
    yield f"http://127.0.0.1:{port}", models
    stop_server(process)


def _enabled(page, role: str, name: str) -> int:
    controls = page.get_by_role(role, name=re.compile(name, re.I))
    return sum(1 for i in range(controls.count()) if controls.nth(i).is_enabled())


def test_a_visitor_of_an_exposed_server_cannot_start_a_run(exposed_server, page):
    url, models = exposed_server
    page.goto(url)  # the empty store's page offers a quick model: the server refuses it
    wait_idle(page)
    page.get_by_role("button", name="Train a quick model").click()
    page.get_by_text("This server is shared").first.wait_for(timeout=60_000)
    assert not list(models.glob(".train-*"))

    page.goto(f"{url}/train")
    wait_idle(page)
    no_errors(page)
    assert page.locator("h1").first.inner_text().strip() == "Train a model"
    assert "This server is shared" in page.locator("body").inner_text()
    for role, name in (("button", "start"), ("button", "stop"), ("checkbox", "replace"), ("button", "quick")):
        assert _enabled(page, role, name) == 0, (role, name)
    assert page.get_by_label("Model name", exact=True).count() == 0

    box = page.get_by_label("Training token", exact=True)
    box.fill("not-the-token")
    box.press("Enter")
    page.get_by_text("That is not the training token").wait_for(timeout=30_000)
    wait_idle(page)
    for role, name in (("button", "start"), ("button", "stop"), ("checkbox", "replace")):
        assert _enabled(page, role, name) == 0, (role, name)
    assert page.get_by_label("Model name", exact=True).count() == 0
    assert not list(models.glob(".train-*")) and not [p for p in models.iterdir() if not p.name.startswith(".")]
