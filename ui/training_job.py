"""The Train page's job: one `python -m vae_core train` process per server, watched through its progress file.

The training runs in its own process (the CLI, so its lock, clean-up and atomic store are the ones every run uses,
and the server stays responsive). It writes `models/.train-<name>.json` (vae_core.progress) and its output goes to
`models/.train-<name>.log`. The server keeps the process handle in this module (one registry for all sessions of the
server), so a reloaded page or another session finds the job; after a server restart a run still alive is found again
from its progress file (its pid and the process's creation time, so a later process that got the pid is never
taken for it). Stop: SIGUSR1 (the run ends after the current batch and saves the best weights so far), or SIGTERM
while no batch has run yet (nothing to keep). Who may start, stop or replace is ui.hosting's rule, checked here as
well as on the page; replacing keeps a copy of the old folder in `models/.backup-<name>-<time>/`. No Streamlit
here (but ui.hosting's reader of the server's address): the page renders what `status` returns.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from vae_core import progress, store
from vae_core.config import ModelConfig, TrainConfig, from_dict
from vae_core.errors import UserError

from . import hosting

LOG_TAIL = 64 * 1024  # bytes of the log read for a failed run's error line
CLEAN_AFTER = 24 * 3600  # seconds after which an ended run's `.train-*` files are removed (at the next start)


class TrainingBusyError(UserError):
    """This server already runs a training (one at a time)."""


@dataclass(frozen=True)
class Settings:
    """A run the Train page starts: the two config objects the CLI's `train` options are generated from."""

    name: str
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: bool = True  # write metrics.json after training (the full test set: minutes)
    replace: bool = False  # allow replacing an existing model of that name (a backup of it is kept)

    @classmethod
    def of(cls, name: str, evaluate: bool = True, replace: bool = False, **fields) -> Settings:
        """Settings from ModelConfig / TrainConfig field values by name (the rest: the reference recipe).

        Raises:
            UserError: a value the configs refuse (one sentence).
        """
        model_fields = {f.name for f in dataclasses.fields(ModelConfig)}
        train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
        if unknown := set(fields) - model_fields - train_fields:
            raise TypeError(f"not a training setting: {', '.join(sorted(unknown))}")
        try:
            model = ModelConfig(**{k: v for k, v in fields.items() if k in model_fields})
            train = TrainConfig(**{k: v for k, v in fields.items() if k in train_fields})
        except (ValueError, TypeError) as exc:
            raise UserError(str(exc)) from None
        return cls(name, model, train, evaluate, replace)

    @classmethod
    def from_progress(cls, value: dict) -> Settings:
        """The settings a progress file records (train writes them from the same configs)."""
        settings = value["settings"]
        return cls(value["name"], from_dict(ModelConfig, settings["model"]), from_dict(TrainConfig, settings["train"]),
                   bool(settings.get("evaluate", True)))

    def argv(self, progress_file: Path) -> list[str]:
        """`train`'s arguments: one option per config field (the CLI generates them from the same fields)."""
        args = ["train", "--name", self.name]
        for config in (self.model, self.train):
            for f in dataclasses.fields(config):
                value = getattr(config, f.name)
                if value is not None:  # None is the option's default (e.g. no train_limit: all digits)
                    text = repr(float(value)) if isinstance(value, float) else str(value)
                    args.append(f"--{f.name.replace('_', '-')}={text}")  # '=' keeps a value starting with '-'
        args.append(f"--progress-file={progress_file}")
        return args + ([] if self.evaluate else ["--no-evaluate"])

    def describe(self) -> str:
        model, train = self.model, self.train
        size = f"{train.train_limit:,} training digits" if train.train_limit else "all 60,000 training digits"
        beta = f", β {model.beta:g}" if model.kind == "vae" else ""
        return (f"{model.kind}, latent_dim {model.latent_dim}{beta}, {model.reconstruction}, {train.epochs} epochs, "
                f"{size}, {train.precision}, seed {model.seed}")


def field_range(cls: type, name: str) -> dict:
    """A numeric config field's default, bounds and help as `st.number_input` keywords (a None default, e.g.
    train_limit's "all digits", shows as the upper bound)."""
    [f] = [f for f in dataclasses.fields(cls) if f.name == name]
    low, high = f.metadata["bounds"]
    cast = float if isinstance(f.default, float) else int
    value = high if f.default is None else f.default
    return {"min_value": cast(low), "max_value": cast(high), "value": cast(value), "help": f.metadata["help"]}


@dataclass
class Job:
    settings: Settings
    pid: int
    process_started: float  # the process's creation time (psutil): a later process with the same pid is not it
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
QUICK = Settings("quick", train=TrainConfig(epochs=5, train_limit=20_000, test_limit=2_000), evaluate=False)

_lock = threading.Lock()
_job: Job | None = None  # this server's training (finished ones stay until the next start, so pages can show them)


def paths(name: str) -> tuple[Path, Path]:
    """(progress file, log file) of a run of model `name`: hidden files in the store (never taken for models)."""
    root = store.models_root()
    return root / f".train-{name}.json", root / f".train-{name}.log"


def _process(job: Job) -> psutil.Process | subprocess.Popen | None:
    """The run's process while it lives, else None; never another process that got its pid."""
    if job.process is not None:  # our child: its pid stays ours until we reap it (poll)
        return job.process if job.process.poll() is None else None
    return progress.run_process({"pid": job.pid, "process_started": job.process_started})


def _alive(job: Job) -> bool:
    return _process(job) is not None


def _found_again() -> Job | None:
    """A training still running from a progress file in the store (this server was restarted since it started)."""
    root = store.models_root()
    found = []
    for path in root.glob(".train-*.json") if root.is_dir() else []:
        value = progress.read(path)
        if not value or value["state"] in progress.FINAL_STATES or progress.run_process(value) is None:
            continue
        try:
            settings = Settings.from_progress(value)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        found.append(Job(settings, value["pid"], value["process_started"], path, path.with_suffix(".log"),
                         float(value.get("started") or 0.0), "", None))
    return max(found, key=lambda j: j.started, default=None)


def current() -> Job | None:
    """This server's training (running or finished), or one still running from before a restart."""
    global _job
    with _lock:
        if _job is None:
            _job = _found_again()
        return _job


def store_usage(root: Path) -> int:
    """Bytes of the files under the store (models, caches, backups, logs)."""
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


def _check_room(name: str, limits: hosting.Limits) -> None:
    """Raise UserError when the store holds too many models or uses too much disk for another run."""
    root = store.models_root()
    models = store.list_models(root)
    if name not in models and len(models) >= limits.max_models:
        raise UserError(f"The store holds {len(models)} models, the most this server allows "
                        f"({hosting.MAX_MODELS_ENV}={limits.max_models}): delete one or reuse a name.")
    used = store_usage(root) if root.is_dir() else 0
    if used >= limits.max_store_bytes:
        raise UserError(f"The store uses {used / 2**20:,.0f} MiB, the most this server allows "
                        f"({hosting.MAX_STORE_MB_ENV}={limits.max_store_bytes // 2**20}): delete models or "
                        "backups (models/.backup-*) first.")


def _clean_old_runs(root: Path, now: float) -> None:
    """Remove the `.train-*` files of runs that ended over CLEAN_AFTER seconds ago."""
    for path in [*root.glob(".train-*.json"), *root.glob(".train-*.log")]:
        try:
            if now - path.stat().st_mtime < CLEAN_AFTER:
                continue
        except OSError:
            continue
        value = progress.read(path.with_suffix(".json"))
        if value is None or value["state"] in progress.FINAL_STATES or progress.run_process(value) is None:
            path.unlink(missing_ok=True)


def _backup(name: str) -> Path:
    """Copy model `name`'s folder (without its caches) to `models/.backup-<name>-<time>/`, never a model."""
    root = store.models_root()
    target = root / f".backup-{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    with store.training_lock(name, root):  # no replacement moves the folder while it is copied
        try:
            shutil.copytree(store.model_dir(name, root), target, ignore=shutil.ignore_patterns(store.CACHE_DIR))
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise UserError(f"Could not keep a backup of model {name!r} ({exc}); nothing was started.") from None
    return target


def start(settings: Settings, session: str = "", who: hosting.Access | None = None) -> Job:
    """Start `python -m vae_core train` with `settings` in a new process.

    `who` is the visitor's permissions (hosting.access); None reads the server's without a token.

    Raises:
        TrainingBusyError: a training runs already (the message says which and since when).
        UserError: this visitor may not train, the name is not valid or taken, the store is full, or another
            process trains a model of that name.
    """
    global _job
    who = who if who is not None else hosting.from_server()
    if not who.can_train:
        raise UserError(who.reason)
    store.validate_name(settings.name)
    exists = store.model_dir(settings.name).exists()  # any folder, model or not, is never overwritten unasked
    if exists and not settings.replace:
        raise UserError(f"A model named {settings.name!r} exists already: choose another name, or tick "
                        "'Replace an existing model' to overwrite it when the run ends (a backup is kept).")
    if exists and not hosting.may_replace(who):
        raise UserError(f"A model named {settings.name!r} exists already, and replacing models from the web is off "
                        "on a shared server: choose another name.")
    _check_room(settings.name, hosting.limits(os.environ))
    with _lock:
        if _job is None:
            _job = _found_again()
        if _job is not None and _alive(_job):
            raise TrainingBusyError(busy_message(_job, session))
        store.refuse_if_training(settings.name)  # e.g. a `train` started from a terminal
        progress_path, log_path = paths(settings.name)
        progress_path.parent.mkdir(parents=True, exist_ok=True)
        _clean_old_runs(progress_path.parent, time.time())
        if exists:
            _backup(settings.name)
        progress_path.unlink(missing_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "vae_core", *settings.argv(progress_path)], cwd=store.PROJECT_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)  # outlives a server restart; Ctrl-C stays ours
        try:
            created = psutil.Process(process.pid).create_time()
        except psutil.Error:  # ended at once: poll() tells the page
            created = time.time()
        _job = Job(settings, process.pid, created, progress_path, log_path, time.time(), session, process)
        return _job


def status(job: Job) -> Status:
    """What the run is doing, from its progress file and its process."""
    value = progress.read(job.progress_path) or {}
    alive = _alive(job)
    state = value.get("state", "starting")
    history = value.get("history") or {}
    epochs = max(int(value.get("epochs") or job.settings.train.epochs), 1)
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


def stop(job: Job, session: str = "", who: hosting.Access | None = None) -> str:
    """Ask the run to end: after the current batch, saving the best weights so far (or at once before any batch).

    Raises:
        UserError: this visitor may not stop this run (hosting.may_stop).
    """
    who = who if who is not None else hosting.from_server()
    if not hosting.may_stop(who, job.session, session):
        raise UserError(who.reason or "Only the browser session that started this run can stop it.")
    value = progress.read(job.progress_path) or {}
    process = _process(job)
    if process is None:
        return "The run has ended already."
    if value.get("state") == "evaluating":
        return "The model is saved already; the evaluation finishes on its own."
    training = value.get("state") == "training"
    try:  # Popen and psutil both refuse to signal a pid that is no longer this run's process
        process.send_signal(signal.SIGUSR1 if training else signal.SIGTERM)  # still loading: no weights to keep
    except (psutil.NoSuchProcess, ProcessLookupError):
        return "The run has ended already."
    if training:
        return "Stopping after the current batch; the best weights so far are being saved."
    return "Stopped before training began: nothing was saved."


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
