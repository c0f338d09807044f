"""The Train page's job (ui.training_job) and the page: a real `python -m vae_core train` process on a few hundred
digits in a temporary store, watched through its progress file, refused a second time, stopped, saved whole."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from ui import hosting
from ui import training_job as jobs
from vae_core import store as model_store

TINY = dict(epochs=60, train_limit=256, test_limit=128, evaluate=False, seed=1)  # 2 batches an epoch
LOCAL = hosting.access("127.0.0.1", {})  # ./run-app.sh: whoever is at the machine may train


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
    job = jobs.start(jobs.Settings.of("tinyrun", **TINY), session="s1", who=LOCAL)
    with pytest.raises(jobs.TrainingBusyError) as busy:
        jobs.start(jobs.Settings.of("other", **TINY), session="s2", who=LOCAL)
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
    assert abs(again.process_started - job.process_started) < 0.5
    assert jobs.stop(again, "s1", LOCAL).startswith("Stopping after the current batch")
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
    model_store.refuse_if_training("tinyrun", store)  # the lock is free
    assert not list(store.glob(".tmp-*"))


def test_a_failed_run_shows_one_line_and_can_be_started_again(store, monkeypatch):
    broken = jobs.Settings.of("again", **TINY)
    monkeypatch.setattr(jobs.Settings, "argv", lambda self, path: ["train", "--name", self.name, "--epochs", "0"])
    job = jobs.start(broken, who=LOCAL)
    status = wait_for(job, lambda s: not s.running, timeout=120)
    assert status.state == "failed"
    assert status.error.startswith("error:") and "--epochs" in status.error and "\n" not in status.error
    monkeypatch.undo()
    monkeypatch.setenv("VAE_MODELS_DIR", str(store))

    job = jobs.start(broken, who=LOCAL)  # no server restart needed
    wait_for(job, lambda s: s.state == "loading")
    assert jobs.stop(job, who=LOCAL) == "Stopped before training began: nothing was saved."
    status = wait_for(job, lambda s: not s.running, timeout=120)
    assert status.state == "aborted" and not (store / "again").exists(), (status, job.log_path.read_text()[-2000:])


def test_settings_are_checked_before_anything_starts(store):
    for name, words in (("../x", "Invalid model name"), ("ok\n", "Invalid model name"),
                        ("_classifier", "reserved"), ("-x", "reserved")):
        with pytest.raises(jobs.UserError, match=words):
            jobs.start(jobs.Settings(name), who=LOCAL)
    for fields, words in (({"latent_dim": 0}, "latent_dim"), ({"epochs": 0}, "epochs"), ({"kind": "gan"}, "kind")):
        with pytest.raises(jobs.UserError, match=words):
            jobs.Settings.of("ok", **fields)
    (store / "taken").mkdir()
    (store / "taken" / "model.keras").write_bytes(b"")
    (store / "folder").mkdir()  # a folder without a model file is not overwritten unasked either
    for name in ("taken", "folder"):
        with pytest.raises(jobs.UserError, match="exists already"):
            jobs.start(jobs.Settings(name), who=LOCAL)
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
    inputs["Test digits"].set_value(TINY["test_limit"])
    inputs["Seed"].set_value(1)
    {c.label: c for c in at.checkbox}["Evaluate afterwards"].uncheck()
    button(at, "Start training").click()
    at.run()
    assert not at.exception, at.exception
    job = jobs.current()
    assert job is not None and job.settings == jobs.Settings.of("pagerun", **TINY)

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


# ---- the page's settings, and the page on a shared (exposed) server -------------------------------------------

def open_train_page() -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/train.py")
    at.run()
    assert not at.exception, at.exception
    return at


def recorded_starts(monkeypatch) -> list:
    """Replace jobs.start by a recorder: the page's settings, and who asked, without a training process."""
    calls = []
    monkeypatch.setattr(jobs, "start", lambda settings, session="", who=None: calls.append((settings, who)))
    return calls


def test_the_pages_argv_parses_back_to_the_chosen_configs(store, monkeypatch):
    from vae_core.__main__ import _parser
    from vae_core.config import ModelConfig, TrainConfig, from_dict

    calls = recorded_starts(monkeypatch)
    at = open_train_page()
    at.text_input[0].set_value("chosen")
    boxes = {b.label: b for b in at.selectbox}
    boxes["Kind"].set_value("ae")
    boxes["Reconstruction loss"].set_value("mse")
    boxes["Precision"].set_value("mixed_bfloat16")
    inputs = {n.label: n for n in at.number_input}
    inputs["Latent dimensions"].set_value(7)
    inputs["β (KL weight)"].set_value(2.5)
    inputs["Training digits"].set_value(1000)
    button(at, "Start training").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [(settings, who)] = calls
    assert who == LOCAL
    args = _parser().parse_args(settings.argv(store / ".train-chosen.json"))  # the CLI's own parser
    assert args.name == "chosen" and args.no_evaluate is False
    assert from_dict(ModelConfig, vars(args)) == ModelConfig(latent_dim=7, beta=2.5, reconstruction="mse", seed=42,
                                                             kind="ae")
    assert from_dict(TrainConfig, vars(args)) == TrainConfig(epochs=100, train_limit=1000, test_limit=None,
                                                             precision="mixed_bfloat16")


def shown_run(store, session: str = "") -> jobs.Job:
    """A run the page shows: a live stand-in process (its command line names vae_core train) and a progress file
    in the middle of training with two epochs of losses."""
    import subprocess
    import sys

    import psutil

    from vae_core.files import write_json_atomic

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "vae_core", "train"])
    settings = jobs.Settings.of("shown", epochs=100)
    path, log = jobs.paths("shown")
    created = psutil.Process(sleeper.pid).create_time()
    write_json_atomic(path, {
        "name": "shown", "pid": sleeper.pid, "process_started": created, "state": "training",
        "message": "epoch 3/100, batch 1/2", "settings": {}, "epoch": 2, "epochs": 100, "step": 1, "steps": 2,
        "history": {"loss": [200.0, 180.0], "val_loss": [190.0, 175.0]}, "started": time.time(), "result": None})
    jobs._job = jobs.Job(settings, sleeper.pid, created, path, log, time.time(), session, sleeper)
    return jobs._job


def controls(at: AppTest) -> set[str]:
    return ({b.label for b in at.button} | {c.label for c in at.checkbox} | {t.label for t in at.text_input}
            | {n.label for n in at.number_input})


def test_an_exposed_server_without_a_token_shows_the_run_and_offers_no_control(store, monkeypatch):
    monkeypatch.setenv(hosting.EXPOSED_ENV, "1")
    monkeypatch.delenv(hosting.TOKEN_ENV, raising=False)
    job = shown_run(store)
    at = open_train_page()
    assert any("Model **shown**" in m.value for m in at.markdown)
    assert at.get("progress") and at.get("plotly_chart")  # the live curves stay visible to everyone
    assert controls(at) == set(), controls(at)  # no Stop, no form, no token box (no token is configured)
    assert any("training from the web is off" in c.value for c in at.caption)
    with pytest.raises(jobs.UserError, match="training from the web is off"):
        jobs.stop(job, "anyone")  # the job module enforces it too (the server's own rule, read from Streamlit)
    assert job.process.poll() is None


def test_an_exposed_server_with_a_token_unlocks_the_form_for_its_holder_only(store, monkeypatch):
    monkeypatch.setenv(hosting.EXPOSED_ENV, "1")
    monkeypatch.setenv(hosting.TOKEN_ENV, "s3cret-token")
    calls = recorded_starts(monkeypatch)
    job = shown_run(store, session="someone-else")
    at = open_train_page()
    assert controls(at) == {"Training token"}
    at.text_input[0].set_value("wrong")
    at.run()
    assert controls(at) == {"Training token"} and any("not the training token" in e.value for e in at.error)

    at.text_input[0].set_value("s3cret-token")
    at.run()
    assert not at.exception, at.exception
    found = controls(at)
    assert {"Start training", "Model name", "Epochs (at most)"} <= found
    assert "Replace an existing model" not in found  # never from the web on a shared server
    assert "Stop" not in found  # another session's run
    [name] = [t for t in at.text_input if t.label == "Model name"]
    name.set_value("classrun")
    button(at, "Start training").click()
    at.run()
    [(settings, who)] = calls
    assert settings.name == "classrun" and who.can_train and who.exposed
    assert job.process.poll() is None


def test_a_token_holder_may_stop_a_run_found_again(store, monkeypatch):
    import signal

    monkeypatch.setenv(hosting.EXPOSED_ENV, "1")
    monkeypatch.setenv(hosting.TOKEN_ENV, "s3cret-token")
    job = shown_run(store, session="")  # found again after a restart: no session, any token holder may stop it
    at = open_train_page()
    assert "Stop" not in controls(at)
    at.text_input[0].set_value("s3cret-token")
    at.run()
    button(at, "Stop").click()
    at.run()
    assert not at.exception, at.exception
    assert job.process.wait(timeout=30) == -signal.SIGUSR1  # "training": asked to end after the batch
