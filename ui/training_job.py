"""The Train page's job: one `python -m vae_core train` process per server, watched through its progress file.

The training runs in its own process (the CLI, so its lock, clean-up and atomic store are the ones every run uses,
and the server stays responsive). It writes `models/.train-<name>.json` (vae_core.progress) and its output goes to
`models/.train-<name>.log`. The server keeps the process handle in this module (one registry for all sessions of the
server), so a reloaded page or another session finds the job; after a server restart a run still alive is found again
from its progress file. Stop: SIGUSR1 (the run ends after the current batch and saves the best weights so far), or
SIGTERM while no batch has run yet (nothing to keep). No Streamlit here: the page renders what `status` returns.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from vae_core import progress, store
from vae_core.config import ModelConfig, TrainConfig
from vae_core.errors import UserError

LOG_TAIL = 64 * 1024  # bytes of the log read for a failed run's error line


class TrainingBusyError(UserError):
    """This server already runs a training (one at a time)."""


@dataclass(frozen=True)
class Settings:
    """What the Train page asks for; the rest of the recipe is the reference one (TrainConfig's defaults)."""

    name: str
    kind: str = "vae"
    latent_dim: int = 2
    beta: float = 1.0
    reconstruction: str = "bce"
    epochs: int = 100
    precision: str = "float32"
    seed: int = 42
    train_limit: int | None = None  # first N training digits (None: all 60,000)
    test_limit: int | None = None
    evaluate: bool = True  # write metrics.json after training (the full test set: minutes)
    replace: bool = False  # allow replacing an existing model of that name

    def check(self) -> None:
        """Raise UserError with one sentence when the settings cannot start a run."""
        store.validate_name(self.name)
        try:
            ModelConfig(self.latent_dim, self.beta, self.reconstruction, self.seed, self.kind)
            TrainConfig(epochs=self.epochs, precision=self.precision, train_limit=self.train_limit,
                        test_limit=self.test_limit)
        except (ValueError, TypeError) as exc:
            raise UserError(str(exc)) from None
        if not self.replace and self.name in store.list_models():
            raise UserError(f"A model named {self.name!r} exists already: choose another name, or tick "
                            "'Replace an existing model' to overwrite it when the run ends.")

    def argv(self, progress_file: Path) -> list[str]:
        args = ["train", "--name", self.name, "--kind", self.kind, "--latent-dim", str(self.latent_dim),
                "--beta", repr(float(self.beta)), "--reconstruction", self.reconstruction,
                "--epochs", str(self.epochs), "--precision", self.precision, "--seed", str(self.seed),
                "--progress-file", str(progress_file)]
        for option, value in (("--train-limit", self.train_limit), ("--test-limit", self.test_limit)):
            if value is not None:
                args += [option, str(value)]
        return args + ([] if self.evaluate else ["--no-evaluate"])

    def describe(self) -> str:
        size = f"{self.train_limit:,} training digits" if self.train_limit else "all 60,000 training digits"
        beta = f", β {self.beta:g}" if self.kind == "vae" else ""
        return (f"{self.kind}, latent_dim {self.latent_dim}{beta}, {self.reconstruction}, {self.epochs} epochs, "
                f"{size}, {self.precision}, seed {self.seed}")


@dataclass
class Job:
    settings: Settings
    pid: int
    progress_path: Path
    log_path: Path
    started: float
    session: str  # the browser session that started it ("" when found again from its file)
    process: subprocess.Popen | None  # None when this server did not start it (found again after a restart)


@dataclass(frozen=True)
class Status:
    state: str  # "starting", then progress's states: loading, training, evaluating, done, stopped, aborted, failed
    running: bool
    fraction: float  # 0..1 of the epochs asked for
    message: str
    history: dict[str, list[float]]
    error: str | None = None  # the one-line reason of a failed run
    result: dict | None = None  # the saved run's summary (config.json's "run")


# the no-model page's "quick model": good enough to look around in a few minutes
QUICK = Settings("quick", epochs=5, train_limit=20_000, test_limit=2_000, evaluate=False)

_lock = threading.Lock()
_job: Job | None = None  # this server's training (finished ones stay until the next start, so pages can show them)


def paths(name: str) -> tuple[Path, Path]:
    """(progress file, log file) of a run of model `name`: hidden files in the store (never taken for models)."""
    root = store.models_root()
    return root / f".train-{name}.json", root / f".train-{name}.log"


def _alive(job: Job) -> bool:
    if job.process is not None:
        return job.process.poll() is None
    try:
        os.kill(job.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _found_again() -> Job | None:
    """A training still running from a progress file in the store (this server was restarted since it started)."""
    root = store.models_root()
    found = []
    for path in root.glob(".train-*.json") if root.is_dir() else []:
        value = progress.read(path)
        if not value or value["state"] in progress.FINAL_STATES or not isinstance(value.get("pid"), int):
            continue
        settings = value.get("settings", {})
        model, train = settings.get("model", {}), settings.get("train", {})
        try:
            found_settings = Settings(
                name=value["name"], kind=model.get("kind", "vae"), latent_dim=model.get("latent_dim", 2),
                beta=model.get("beta", 1.0), reconstruction=model.get("reconstruction", "bce"),
                epochs=train.get("epochs", value.get("epochs", 1)), precision=train.get("precision", "float32"),
                seed=model.get("seed", 42), train_limit=train.get("train_limit"), test_limit=train.get("test_limit"),
                evaluate=settings.get("evaluate", True))
        except (KeyError, TypeError):
            continue
        job = Job(found_settings, value["pid"], path, path.with_suffix(".log"), value.get("started", 0.0), "", None)
        if _alive(job):
            found.append(job)
    return max(found, key=lambda j: j.started, default=None)


def current() -> Job | None:
    """This server's training (running or finished), or one still running from before a restart."""
    global _job
    with _lock:
        if _job is None:
            _job = _found_again()
        return _job


def start(settings: Settings, session: str = "") -> Job:
    """Start `python -m vae_core train` with `settings` in a new process.

    Raises:
        TrainingBusyError: a training runs already (the message says which and since when).
        UserError: the settings are not valid, or another process trains a model of that name.
    """
    global _job
    settings.check()
    with _lock:
        if _job is None:
            _job = _found_again()
        if _job is not None and _alive(_job):
            raise TrainingBusyError(busy_message(_job, session))
        store.refuse_if_training(settings.name)  # e.g. a `train` started from a terminal
        progress_path, log_path = paths(settings.name)
        progress_path.parent.mkdir(parents=True, exist_ok=True)
        progress_path.unlink(missing_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "vae_core", *settings.argv(progress_path)], cwd=store.PROJECT_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)  # outlives a server restart; Ctrl-C stays ours
        _job = Job(settings, process.pid, progress_path, log_path, time.time(), session, process)
        return _job


def status(job: Job) -> Status:
    """What the run is doing, from its progress file and its process."""
    value = progress.read(job.progress_path) or {}
    alive = _alive(job)
    state = value.get("state", "starting")
    history = value.get("history") or {}
    epochs = max(int(value.get("epochs") or job.settings.epochs), 1)
    done = int(value.get("epoch") or 0)
    steps = int(value.get("steps") or 0)
    fraction = (done + (int(value.get("step") or 0) / steps if steps else 0)) / epochs
    message = value.get("message") or "starting: loading TensorFlow and MNIST"
    if state in ("evaluating", "done", "stopped"):  # the model is saved (early stopping may end a run sooner)
        fraction = 1.0
    if not alive and state not in progress.FINAL_STATES:  # ended without writing its end: the log says why
        code = job.process.returncode if job.process is not None else None
        if code in (130, -signal.SIGTERM, -signal.SIGKILL, -signal.SIGINT):  # interrupted (130: the CLI's own exit)
            return Status("aborted", False, fraction, "aborted: nothing was saved", history)
        return Status("failed", False, fraction, "the training process ended", history,
                      error=_error_line(job.log_path) or f"the training process ended with exit code {code}")
    error = value.get("message") if state == "failed" else None
    running = alive and state not in progress.FINAL_STATES
    return Status(state, running, min(fraction, 1.0), message, history, error, value.get("result"))


def stop(job: Job) -> str:
    """Ask the run to end: after the current batch, saving the best weights so far (or at once before any batch)."""
    value = progress.read(job.progress_path) or {}
    if not _alive(job):
        return "The run has ended already."
    if value.get("state") == "training":
        os.kill(job.pid, signal.SIGUSR1)
        return "Stopping after the current batch; the best weights so far are being saved."
    if value.get("state") == "evaluating":
        return "The model is saved already; the evaluation finishes on its own."
    os.kill(job.pid, signal.SIGTERM)  # still loading: no weights to keep
    return "Stopped before training began: nothing was saved."


def dismiss() -> None:
    """Forget a finished job (its files stay in the store until the next run of that name)."""
    global _job
    with _lock:
        if _job is not None and not _alive(_job):
            _job = None


def busy_message(job: Job, session: str = "") -> str:
    who = "this browser session" if session and job.session == session else (
        "another browser session" if job.session else "an earlier server run")
    value = progress.read(job.progress_path) or {}
    where = value.get("message") or "starting"
    return (f"One training at a time: model {job.settings.name!r} ({job.settings.describe()}) is being trained, "
            f"started {time.strftime('%H:%M:%S', time.localtime(job.started))} from {who} (process {job.pid}); "
            f"now {where}. Wait for it to finish or stop it.")


def _error_line(log: Path) -> str | None:
    """The last `error: …` line of a log, else its last line that is not a progress bar."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, os.path.getsize(log) - LOG_TAIL))
            lines = [line.strip() for line in f.read().decode(errors="replace").replace("\r", "\n").splitlines()]
    except OSError:
        return None
    lines = [line for line in lines if line and "batch/s" not in line]
    errors = [line for line in lines if line.startswith("error:")]
    line = (errors or lines or [None])[-1]
    return line[:300] if line else None
