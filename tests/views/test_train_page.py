"""The Train page's job (ui.training_job) and the page: a real `python -m vae_core train` process on a few hundred
digits in a temporary store, watched through its progress file, refused a second time, stopped, saved whole."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from ui import training_job as jobs

TINY = dict(epochs=60, train_limit=256, test_limit=128, evaluate=False, seed=1)  # 2 batches an epoch


@pytest.fixture()
def store(job_store):
    return job_store


def wait_for(job, condition, timeout=300.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = jobs.status(job)
        if condition(status):
            return status
        time.sleep(0.3)
    raise AssertionError(f"timed out; last status {status}; log: {job.log_path.read_text()[-2000:]}")


def test_a_run_progresses_refuses_a_second_stops_and_saves_a_complete_model(store):
    job = jobs.start(jobs.Settings("tinyrun", **TINY), session="s1")
    with pytest.raises(jobs.TrainingBusyError) as busy:
        jobs.start(jobs.Settings("other", **TINY), session="s2")
    message = str(busy.value)
    assert "'tinyrun'" in message and f"process {job.pid}" in message and "another browser session" in message
    assert jobs.current() is job  # another session (or a reloaded page) finds the same job

    status = wait_for(job, lambda s: len(s.history.get("loss", [])) >= 2)
    assert status.running and status.state == "training"
    assert 0 < status.fraction < 1
    assert len(status.history["val_loss"]) >= 2
    jobs._job = None  # as after a server restart: the run is found again from its progress file
    again = jobs.current()
    assert again.pid == job.pid and again.process is None and again.settings == job.settings
    assert jobs.stop(again).startswith("Stopping after the current batch")
    status = wait_for(again, lambda s: not s.running, timeout=120)
    assert status.state == "stopped", status
    assert job.process.wait(timeout=60) == 0

    run = json.loads((store / "tinyrun" / "config.json").read_text())["run"]
    history = json.loads((store / "tinyrun" / "history.json").read_text())
    assert run["stopped_by_request"] and 2 <= run["epochs_run"] < TINY["epochs"]
    assert status.result["epochs_run"] == run["epochs_run"] == len(history["loss"])
    assert status.history["val_loss"] == pytest.approx(history["val_loss"])  # the page drew what was saved
    from vae_core.artifacts import load_model

    loaded = load_model("tinyrun", store)
    assert loaded.fast.decode([[0.0, 0.0]]).shape == (1, 28, 28)
    assert not (store / ".tinyrun.lock").exists() and not list(store.glob(".tmp-*"))


def test_a_failed_run_shows_one_line_and_can_be_started_again(store, monkeypatch):
    broken = jobs.Settings("again", **TINY)
    monkeypatch.setattr(jobs.Settings, "argv", lambda self, path: ["train", "--name", self.name, "--epochs", "0"])
    job = jobs.start(broken)
    status = wait_for(job, lambda s: not s.running, timeout=120)
    assert status.state == "failed"
    assert status.error.startswith("error:") and "--epochs" in status.error and "\n" not in status.error
    monkeypatch.undo()
    monkeypatch.setenv("VAE_MODELS_DIR", str(store))

    job = jobs.start(broken)  # no server restart needed
    wait_for(job, lambda s: s.state == "loading")
    assert jobs.stop(job) == "Stopped before training began: nothing was saved."
    status = wait_for(job, lambda s: not s.running, timeout=120)
    assert status.state == "aborted" and not (store / "again").exists(), (status, job.log_path.read_text()[-2000:])


def test_settings_are_checked_before_anything_starts(store):
    for settings, words in ((jobs.Settings("../x"), "Invalid model name"),
                            (jobs.Settings("ok\n"), "Invalid model name"),
                            (jobs.Settings("ok", latent_dim=0), "latent_dim"),
                            (jobs.Settings("ok", epochs=0), "epochs")):
        with pytest.raises(jobs.UserError, match=words):
            jobs.start(settings)
    (store / "taken").mkdir()
    (store / "taken" / "model.keras").write_bytes(b"")
    with pytest.raises(jobs.UserError, match="exists already"):
        jobs.start(jobs.Settings("taken"))
    assert jobs.current() is None and not list(store.glob(".train-*"))


def button(at: AppTest, label: str):
    [found] = [b for b in at.button if b.label == label]
    return found


def test_train_page_starts_watches_and_stops_a_run(store):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert at.title[0].value == "No model yet"
    at.switch_page("views/train.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Train a model"
    at.text_input[0].set_value("pagerun")
    inputs = {n.label: n for n in at.number_input}
    inputs["Epochs (at most)"].set_value(TINY["epochs"])
    inputs["Training digits"].set_value(TINY["train_limit"])
    inputs["Validation digits"].set_value(TINY["test_limit"])
    inputs["Seed"].set_value(1)
    {c.label: c for c in at.checkbox}["Evaluate afterwards"].uncheck()
    button(at, "Start training").click()
    at.run()
    assert not at.exception, at.exception
    job = jobs.current()
    assert job is not None and job.settings == jobs.Settings("pagerun", **TINY)

    wait_for(job, lambda s: len(s.history.get("loss", [])) >= 1)
    at.run()
    assert any("pagerun" in m.value for m in at.markdown)
    assert at.get("progress") and at.get("plotly_chart")
    at.text_input[0].set_value("second")
    button(at, "Start training").click()  # a second request while it runs: told who trains what
    at.run()
    assert any("One training at a time: model 'pagerun'" in e.value and "this browser session" in e.value
               for e in at.error), [e.value for e in at.error]
    assert jobs.current() is job
    button(at, "Stop").click()
    at.run()
    status = wait_for(job, lambda s: not s.running, timeout=120)
    assert status.state == "stopped"
    at.run()
    assert not at.exception, at.exception
    assert any("Stopped on request" in s.value and "'pagerun'" in s.value for s in at.success)
    assert (store / "pagerun" / "model.keras").is_file()

    at.text_input[0].set_value("pagerun")
    button(at, "Start training").click()  # the same name again: refused in one sentence until "Replace" is ticked
    at.run()
    assert any("exists already" in e.value for e in at.error)
