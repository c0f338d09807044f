"""The model store: `models/<name>/` holds model.keras, config.json, history.json and metrics.json.

Replacing a model is crash-safe at every instant. A training writes `.tmp-<name>-<pid>/`, fsyncs it and renames
it to `.new-<name>-<pid>/` (complete from then on); then the current folder moves aside to `.old-<name>-<pid>/`
and the new one takes its place. A process killed anywhere in between leaves the old or the new model, and the
next holder of the name's lock finishes the job (`recover_leftovers`): a `.new-` folder is put in place, a
displaced `.old-` folder is restored when nothing replaced it, and dead writers' `.tmp-` folders are removed.
Writers of a name hold an OS lock (`fcntl.flock` on `.<name>.lock`), which the kernel releases when the
process dies however it dies; the lock file itself stays (unlinking it would let two writers lock two files).
Names starting with "." are never models; names starting with "_" (the store's own folders, e.g. `_classifier`)
or "-" (it would read as a command-line option) are refused.
"""

from __future__ import annotations

import fcntl
import math
import os
import re
import shutil
import signal
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from .errors import ModelLoadError, ModelNotFoundError, TrainingLockedError, UserError
from .files import DamagedFileError, fsync_dir, fsync_tree, sha256_of, write_json_atomic
from .files import read_json as _read_json

__all__ = ["read_json", "sha256_of", "write_json_atomic"]  # re-exported: the store's JSON files

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
CACHE_DIR = "cache"
METRICS_HASH_KEY = "model_sha256"  # metrics.json: SHA-256 of the model file it measured
FAULT_ENV = "VAE_STORE_FAULT"  # tests: the swap step at which this process SIGKILLs itself
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_LEFTOVER = re.compile(r"\.(tmp|new|old)-([A-Za-z0-9_-]{1,64})-(\d+)")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def models_root() -> Path:
    """Where model folders live: `$VAE_MODELS_DIR` or `<project>/models`."""
    env = os.environ.get("VAE_MODELS_DIR")
    return Path(env) if env else PROJECT_ROOT / "models"


def _root(root: Path | str | None) -> Path:
    return Path(root) if root else models_root()


def validate_name(name: str) -> str:
    """Return `name` if it is a model's folder name (letters, digits, '-', '_'; a letter or digit first), else raise
    UserError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        first = name[:1] if isinstance(name, str) else ""
        why = (f"names starting with {first!r} are reserved" if first in ("_", "-") and
               re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) else "no paths, dots or spaces")
        raise UserError(f"Invalid model name {name!r}: use 1-64 letters, digits, '-' or '_', starting with a letter "
                        f"or digit ({why}).")
    return name


def model_dir(name: str, root: Path | None = None) -> Path:
    return _root(root) / validate_name(name)


def list_models(root: Path | None = None) -> list[str]:
    """Names of the complete model folders under the store, sorted, 'default' first (leftovers recovered first)."""
    root = _root(root)
    if not root.is_dir():
        return []
    if any(_LEFTOVER.fullmatch(p.name) for p in root.iterdir()):
        recover_leftovers(root)
    names = [p.name for p in root.iterdir()
             if p.is_dir() and _NAME.fullmatch(p.name) and (p / MODEL_FILE).is_file()]
    return sorted(names, key=lambda n: (n != "default", n))


def read_json(path: Path) -> Any:
    """Parse a JSON file of a model folder; FileNotFoundError when absent, ModelLoadError when damaged."""
    try:
        return _read_json(path)
    except DamagedFileError as exc:
        raise ModelLoadError(f"{exc}; retrain the model or restore the file.") from exc


def require_model(name: str, root: Path | None = None) -> Path:
    """The folder of model `name`, checked to hold a model file.

    Raises:
        UserError: bad name. ModelNotFoundError: no such model.
    """
    folder = model_dir(name, root)
    if not (folder / MODEL_FILE).is_file():
        available = list_models(root)  # also puts back a model an interrupted replacement left aside
        if name not in available:
            raise ModelNotFoundError(
                f"No model named {name!r} in {folder.parent} (available: {', '.join(available) or 'none'}). "
                f"Train one with: python -m vae_core train --name {name}"
            )
    return folder


# ---- locks -------------------------------------------------------------------------------------------------------

_held: dict[tuple[Path, int], int] = {}  # (lock file, thread id) -> fd of the locks this process holds


def _lock_path(name: str, root: Path | None) -> Path:
    return _root(root) / f".{validate_name(name)}.lock"


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on `path`, or None when another open file holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    return f"process {pid}" if pid.isdigit() else "another process"


def refuse_if_training(name: str, root: Path | None = None) -> None:
    """Raise TrainingLockedError now (before any slow set-up) when a process holds model `name`'s lock."""
    lock = _lock_path(name, root)
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return  # no lock file: nobody trains it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingLockedError(
                f"Model {name!r} is already being trained by {_holder(lock)}; wait for it or use another --name."
            ) from None
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def training_lock(name: str, root: Path | None = None, wait: float = 0.5) -> Iterator[None]:
    """Hold model `name`'s exclusive lock (a second writer gets TrainingLockedError); recover its leftovers.

    `wait` covers a momentary holder (another process's `refuse_if_training` probe or recovery); a training holds
    the lock for minutes and is refused.
    """
    root = _root(root)
    root.mkdir(parents=True, exist_ok=True)
    lock = _lock_path(name, root)
    deadline = time.monotonic() + wait
    while (fd := _try_lock(lock)) is None:
        if time.monotonic() >= deadline:
            raise TrainingLockedError(
                f"Model {name!r} is already being trained by {_holder(lock)}; wait for it or use another --name.")
        time.sleep(0.02)
    key = (lock, threading.get_ident())
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())  # for the message a refused writer shows
        _held[key] = fd
        _recover(name, root)
        yield
    finally:
        _held.pop(key, None)
        os.close(fd)  # releases the flock; the file stays for the next writer


# ---- replacing a model -------------------------------------------------------------------------------------------

def _fault(step: str) -> None:
    """Test hook: die here, as a power cut or `kill -9` would, when $VAE_STORE_FAULT names this step."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _leftovers(root: Path, kind: str, name: str) -> list[Path]:
    """`.<kind>-<name>-<pid>` folders, oldest first."""
    found = [p for p in root.iterdir() if (m := _LEFTOVER.fullmatch(p.name)) and m[1] == kind and m[2] == name]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def _pid_of(path: Path) -> int:
    return int(path.name.rsplit("-", 1)[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(name: str, root: Path) -> None:
    """Finish or undo an interrupted replacement of model `name` (the caller holds its lock)."""
    target = root / name
    news = _leftovers(root, "new", name)
    for stale in news[:-1]:
        shutil.rmtree(stale, ignore_errors=True)
    if news:  # a complete new model: put it in place (the same two renames as a normal replacement)
        if target.exists():
            aside = root / f".old-{name}-{os.getpid()}"
            shutil.rmtree(aside, ignore_errors=True)
            os.rename(target, aside)
        os.rename(news[-1], target)
        fsync_dir(root)
    elif not target.exists() and (olds := _leftovers(root, "old", name)):
        os.rename(olds[-1], target)  # displaced, and nothing took its place
        fsync_dir(root)
    if target.exists():
        for old in _leftovers(root, "old", name):
            shutil.rmtree(old, ignore_errors=True)
    for tmp in _leftovers(root, "tmp", name):
        pid = _pid_of(tmp)
        if pid == os.getpid() or not _pid_alive(pid):  # a live pid may be a writer that holds no flock
            shutil.rmtree(tmp, ignore_errors=True)


def recover_leftovers(root: Path | None = None) -> None:
    """Recover or remove the leftovers of interrupted replacements for every name nobody is writing now."""
    root = _root(root)
    if not root.is_dir():
        return
    names = {m[2] for p in root.iterdir() if (m := _LEFTOVER.fullmatch(p.name)) and _NAME.fullmatch(m[2])}
    for name in sorted(names):
        if (_root(root) / f".{name}.lock", threading.get_ident()) in _held:
            _recover(name, root)
            continue
        try:
            with training_lock(name, root, wait=0):  # recovers on acquiring
                pass
        except (TrainingLockedError, OSError):
            continue  # being written now, or a read-only store: leave it



@contextmanager
def staged_model_dir(name: str, root: Path | None = None) -> Iterator[Path]:
    """Yield a hidden temporary folder to write a model into; on success it replaces `models/<name>`.

    Takes the name's lock unless this thread holds it already. On an exception the temporary folder is removed
    and the current model is untouched.
    """
    root = _root(root)
    target = model_dir(name, root)
    held = (_lock_path(name, root), threading.get_ident()) in _held
    with nullcontext() if held else training_lock(name, root):
        pid = os.getpid()
        tmp, new, old = (root / f".{kind}-{name}-{pid}" for kind in ("tmp", "new", "old"))
        for path in (tmp, new, old):
            shutil.rmtree(path, ignore_errors=True)
        tmp.mkdir()
        try:
            yield tmp
            _fault("written")
            fsync_tree(tmp)
            _fault("synced")
            os.rename(tmp, new)
            fsync_dir(root)
            _fault("ready")  # from here on the new model wins
            if target.exists():
                os.rename(target, old)
                _fault("displaced")
            os.rename(new, target)
            fsync_dir(root)
            _fault("placed")
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


FAULT_STEPS = ("written", "synced", "ready", "displaced", "placed")


# ---- reading a model's files -------------------------------------------------------------------------------------

def _evaluate_hint(folder: Path) -> str:
    return f"run `python -m vae_core evaluate --model {folder.name}` to measure it again"


def read_metrics(folder: Path, file_hash: str) -> tuple[dict | None, str | None]:
    """(metrics, note) of a model folder: metrics.json when it measured the model file with SHA-256 `file_hash`.

    metrics is None when the file is missing, damaged or measured another model file; note is one line saying
    what is wrong (or that the file does not record which model it measured), else None.
    """
    path = Path(folder) / METRICS_FILE
    try:
        metrics = _read_json(path)
    except FileNotFoundError:
        return None, None
    except DamagedFileError as exc:
        return None, f"{exc}; {_evaluate_hint(folder)}."
    if not isinstance(metrics, dict):
        return None, f"{path} holds a JSON {type(metrics).__name__}, not an object; {_evaluate_hint(folder)}."
    measured = metrics.get(METRICS_HASH_KEY)
    if measured is None:
        return metrics, f"{path} does not record which model file it measured; {_evaluate_hint(folder)}."
    if measured != file_hash:
        return None, f"{path} measured an earlier model file, not the current one; {_evaluate_hint(folder)}."
    return metrics, None


def metric_problem(metrics: dict, keys: tuple[str, ...]) -> str | None:
    """One line naming the first of `keys` that is missing, null or not a finite number in `metrics`, else None."""
    for key in keys:
        value = metrics.get(key)
        if value is None:
            return f"metrics.json has no value for {key!r}"
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"metrics.json has {value!r} for {key!r}, not a finite number"
    return None



def check_model_file(path: Path) -> None:
    """Cheap integrity check of a `.keras` zip before Keras opens it."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelLoadError(f"{path} is not a valid .keras file ({exc}); retrain the model.") from exc
    if bad is not None or not {"config.json", "model.weights.h5"} <= names:
        raise ModelLoadError(f"{path} is damaged (missing or corrupt entries); retrain the model.")
