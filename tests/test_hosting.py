"""Who may train from the web (ui.hosting), and what the job module refuses whoever asks: reserved names, full
stores, replacing without a backup, and a stale progress file whose pid now belongs to another process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import PROJECT
from ui import hosting
from ui import training_job as jobs
from vae_core import progress
from vae_core.files import write_json_atomic

LOCAL = hosting.access("127.0.0.1", {})
TOKEN_ENV = {hosting.TOKEN_ENV: "class-2026"}
HOLDER = hosting.access("0.0.0.0", TOKEN_ENV, "class-2026")


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("", False), (None, False), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("lab.example", False)])
def test_loopback_addresses(address, loopback):
    assert hosting.is_loopback(address) is loopback


@pytest.mark.parametrize(("address", "env", "entered", "exposed", "can_train"), [
    ("127.0.0.1", {}, "", False, True),  # ./run-app.sh: as before
    ("127.0.0.1", TOKEN_ENV, "", False, True),  # a token changes nothing on loopback
    ("127.0.0.1", {hosting.EXPOSED_ENV: "1"}, "", True, False),  # the operator says it is exposed (a proxy)
    ("0.0.0.0", {}, "", True, False),
    ("0.0.0.0", {}, "anything", True, False),  # no token configured: nothing unlocks it
    ("", TOKEN_ENV, "", True, False),
    ("", TOKEN_ENV, "class-2025", True, False),
    ("", TOKEN_ENV, "class-2026 ", True, False),
    ("10.0.0.5", TOKEN_ENV, "class-2026", True, True),
])
def test_who_may_train(address, env, entered, exposed, can_train):
    who = hosting.access(address, env, entered)
    assert (who.exposed, who.can_train) == (exposed, can_train)
    assert bool(who.reason) is not can_train  # a refusal always says why


def test_who_may_stop_and_replace():
    nobody = hosting.access("0.0.0.0", {})
    assert hosting.may_stop(LOCAL, "tab-a", "tab-b")  # one person's machine
    assert hosting.may_stop(HOLDER, "tab-a", "tab-a") and not hosting.may_stop(HOLDER, "tab-a", "tab-b")
    assert hosting.may_stop(HOLDER, "", "tab-b")  # found again after a restart: no session to match
    assert not hosting.may_stop(nobody, "", "tab-b") and not hosting.may_stop(nobody, "tab-a", "tab-a")
    assert hosting.may_replace(LOCAL) and not hosting.may_replace(HOLDER) and not hosting.may_replace(nobody)


def test_limits_default_and_overrides():
    assert hosting.limits({}) == hosting.Limits(24, 2048 * 2**20)
    assert hosting.limits({hosting.MAX_MODELS_ENV: "3", hosting.MAX_STORE_MB_ENV: "10"}) == hosting.Limits(3, 10 << 20)
    assert hosting.limits({hosting.MAX_MODELS_ENV: "-1", hosting.MAX_STORE_MB_ENV: "lots"}) == hosting.Limits()


# ---- the job module's own checks ----------------------------------------------------------------------------------

@pytest.fixture()
def store(tmp_path, monkeypatch):
    """An empty store; `start` launches a `train` that fails at once in argparse (no TensorFlow, no model)."""
    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    for name in (hosting.MAX_MODELS_ENV, hosting.MAX_STORE_MB_ENV, hosting.EXPOSED_ENV, hosting.TOKEN_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(jobs.Settings, "argv", lambda self, path: ["train", "--name", self.name, "--epochs", "0"])
    jobs._job = None
    yield tmp_path
    if jobs._job is not None and jobs._job.process is not None:
        jobs._job.process.kill()
        jobs._job.process.wait(timeout=30)
    jobs._job = None


def _model(root, name, size=16):
    (root / name).mkdir()
    (root / name / "model.keras").write_bytes(b"k" * size)
    (root / name / "config.json").write_text("{}")


def test_nothing_starts_for_a_visitor_of_an_exposed_server(store):
    for who in (hosting.access("0.0.0.0", {}), hosting.access("0.0.0.0", TOKEN_ENV, "guess")):
        with pytest.raises(jobs.UserError, match="This server is shared"):
            jobs.start(jobs.Settings("visitor"), "tab", who)
    assert jobs._job is None and list(store.iterdir()) == []


@pytest.mark.parametrize("name", ["_classifier", "_x", "-x", "--help"])
def test_reserved_names_are_refused_for_everyone(store, name):
    (store / "_classifier").mkdir()
    with pytest.raises(jobs.UserError, match="reserved"):
        jobs.start(jobs.Settings(name, replace=True), "tab", LOCAL)
    assert sorted(p.name for p in store.iterdir()) == ["_classifier"]


def test_the_number_of_models_is_capped(store, monkeypatch):
    monkeypatch.setenv(hosting.MAX_MODELS_ENV, "2")
    _model(store, "a")
    _model(store, "b")
    with pytest.raises(jobs.UserError, match=r"holds 2 models.*VAE_MAX_MODELS=2"):
        jobs.start(jobs.Settings("c"), "tab", LOCAL)
    assert jobs._job is None


def test_the_stores_disk_is_capped(store, monkeypatch):
    monkeypatch.setenv(hosting.MAX_STORE_MB_ENV, "1")
    _model(store, "big", size=(1 << 20) + 1)
    with pytest.raises(jobs.UserError, match=r"uses 1 MiB.*VAE_MAX_STORE_MB=1"):
        jobs.start(jobs.Settings("small"), "tab", LOCAL)
    assert jobs._job is None


def test_replacing_keeps_a_backup_on_loopback_and_is_refused_on_a_shared_server(store):
    _model(store, "mine")
    (store / "mine" / "cache").mkdir()
    (store / "mine" / "cache" / "z.npy").write_bytes(b"z")
    with pytest.raises(jobs.UserError, match="replacing models from the web is off"):
        jobs.start(jobs.Settings("mine", replace=True), "tab", HOLDER)
    assert [p.name for p in store.iterdir()] == ["mine"]

    job = jobs.start(jobs.Settings("mine", replace=True), "tab", LOCAL)
    job.process.wait(timeout=60)
    [backup] = store.glob(".backup-mine-*")
    assert (backup / "model.keras").read_bytes() == b"k" * 16 and not (backup / "cache").exists()
    assert "mine" in os.listdir(store) and jobs.store.list_models(store) == ["mine"]  # the backup is no model


def test_ended_runs_files_older_than_a_day_are_cleaned_at_the_next_start(store):
    old = time.time() - jobs.CLEAN_AFTER - 60
    for name, state, age in (("old", "done", old), ("oldfail", "failed", old), ("recent", "stopped", None)):
        write_json_atomic(store / f".train-{name}.json", {"name": name, "state": state, "pid": 1})
        (store / f".train-{name}.log").write_text("log")
        if age:
            for suffix in (".json", ".log"):
                os.utime(store / f".train-{name}{suffix}", (age, age))
    (store / ".train-orphan.log").write_text("log")
    os.utime(store / ".train-orphan.log", (old, old))
    job = jobs.start(jobs.Settings("next"), "tab", LOCAL)
    job.process.wait(timeout=60)
    left = {p.name for p in store.glob(".train-*")} - {".train-next.json"}  # written or not: argparse failed
    assert left == {".train-next.log", ".train-recent.json", ".train-recent.log"}


# ---- a stale progress file ----------------------------------------------------------------------------------------

def _progress_file(store, name, pid, started, state="training"):
    path, _ = jobs.paths(name)
    write_json_atomic(path, {"name": name, "pid": pid, "process_started": started, "state": state,
                             "settings": {"model": {}, "train": {}, "evaluate": False}, "epochs": 10,
                             "history": {}, "started": time.time()})
    return path


@pytest.fixture()
def unrelated():
    """A live process that is not a training (`sleep`)."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait(timeout=30)


@pytest.fixture()
def lookalike():
    """A live process whose command line names vae_core train (but that no progress file describes)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "vae_core", "train"])
    yield process
    process.kill()
    process.wait(timeout=30)


def test_a_stale_pid_of_an_unrelated_process_is_never_signalled(store, unrelated):
    created = psutil.Process(unrelated.pid).create_time()
    path = _progress_file(store, "stale", unrelated.pid, created)  # even its own creation time: not a train
    assert progress.run_process(progress.read(path)) is None
    assert jobs.current() is None  # not found again as a running training
    job = jobs.Job(jobs.Settings("stale"), unrelated.pid, created, path, path.with_suffix(".log"), 0.0, "", None)
    assert jobs.status(job).running is False
    assert jobs.stop(job, "", LOCAL) == "The run has ended already."
    time.sleep(0.2)
    assert unrelated.poll() is None  # not signalled


def test_a_reused_pid_with_a_training_like_command_line_but_another_start_time_is_not_the_run(store, lookalike):
    created = psutil.Process(lookalike.pid).create_time()
    path = _progress_file(store, "reused", lookalike.pid, created - 3600)  # the run started an hour before it
    assert jobs.current() is None
    job = jobs.Job(jobs.Settings("reused"), lookalike.pid, created - 3600, path, path.with_suffix(".log"), 0.0, "",
                   None)
    assert jobs.stop(job, "", LOCAL) == "The run has ended already."
    time.sleep(0.2)
    assert lookalike.poll() is None


def test_the_runs_own_process_is_found_again_with_its_settings(store, lookalike):
    created = psutil.Process(lookalike.pid).create_time()
    settings = jobs.Settings.of("back", evaluate=False, kind="ae", latent_dim=5, epochs=7, train_limit=300)
    path, _ = jobs.paths("back")
    write_json_atomic(path, {"name": "back", "pid": lookalike.pid, "process_started": created, "state": "training",
                             "settings": {"model": jobs.dataclasses.asdict(settings.model),
                                          "train": jobs.dataclasses.asdict(settings.train), "evaluate": False},
                             "epochs": 7, "history": {}, "started": time.time()})
    job = jobs.current()
    assert job is not None and job.pid == lookalike.pid and job.settings == settings
    assert jobs.stop(job, "", LOCAL).startswith("Stopping after the current batch")
    assert lookalike.wait(timeout=30) == -signal.SIGUSR1


def test_a_progress_file_records_its_process_creation_time(tmp_path):
    path = tmp_path / "p.json"
    with progress.tracked(path, "x", {}, epochs=1):
        value = progress.read(path)
        assert value["pid"] == os.getpid()
        assert value["process_started"] == pytest.approx(psutil.Process().create_time(), abs=0.01)


# ---- the command line -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--name", "-x"], ["--name=-x"], ["--name", "_classifier"], ["--name=--help"]])
def test_the_cli_refuses_reserved_names_in_one_line(tmp_path, args):
    result = subprocess.run([sys.executable, "-m", "vae_core", "train", *args, "--epochs", "1"], cwd=PROJECT,
                            env={**os.environ, "VAE_MODELS_DIR": str(tmp_path)}, capture_output=True, text=True,
                            timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert list(tmp_path.iterdir()) == []
