"""The model store: `models/<name>/` holds model.keras, config.json, history.json and metrics.json.

A folder is written under a hidden temporary name and renamed into place, so a crash or Ctrl-C never
leaves a half-written model where the app looks. Names starting with "." are never models.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ModelLoadError, ModelNotFoundError, TrainingLockedError, UserError

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
CACHE_DIR = "cache"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def models_root() -> Path:
    """Where model folders live: `$VAE_MODELS_DIR` or `<project>/models`."""
    env = os.environ.get("VAE_MODELS_DIR")
    return Path(env) if env else PROJECT_ROOT / "models"


def _root(root: Path | str | None) -> Path:
    return Path(root) if root else models_root()


def validate_name(name: str) -> str:
    """Return `name` if it is a safe folder name (letters, digits, '-', '_'), else raise UserError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise UserError(
            f"Invalid model name {name!r}: use 1-64 letters, digits, '-' or '_' (no paths, dots or spaces)."
        )
    return name


def model_dir(name: str, root: Path | None = None) -> Path:
    return _root(root) / validate_name(name)


def list_models(root: Path | None = None) -> list[str]:
    """Names of the complete model folders under the store, sorted, 'default' first."""
    root = _root(root)
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir()
             if p.is_dir() and _NAME.match(p.name) and (p / MODEL_FILE).is_file()]
    return sorted(names, key=lambda n: (n != "default", n))


def read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path} is not valid JSON ({exc}); retrain the model or restore the file.") from exc


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a hidden temporary file beside `path`, then rename it into place (readers never see half)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON atomically (see write_bytes_atomic)."""
    write_bytes_atomic(path, (json.dumps(value, indent=2) + "\n").encode())


def require_model(name: str, root: Path | None = None) -> Path:
    """The folder of model `name`, checked to hold a model file.

    Raises:
        UserError: bad name. ModelNotFoundError: no such model.
    """
    folder = model_dir(name, root)
    if not (folder / MODEL_FILE).is_file():
        available = ", ".join(list_models(root)) or "none"
        raise ModelNotFoundError(
            f"No model named {name!r} in {folder.parent} (available: {available}). "
            f"Train one with: python -m vae_core train --name {name}"
        )
    return folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_path(name: str, root: Path | None) -> Path:
    return _root(root) / f".{validate_name(name)}.lock"


def _holder(lock: Path) -> int:
    try:
        return int(lock.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def refuse_if_training(name: str, root: Path | None = None) -> None:
    """Raise TrainingLockedError now (before any slow set-up) when a live process trains model `name`."""
    lock = _lock_path(name, root)
    holder = _holder(lock)
    try:  # a lock created this instant may not hold its pid yet: count it as held
        fresh = not holder and time.time() - lock.stat().st_mtime < 10
    except OSError:
        fresh = False
    if fresh or (holder and _pid_alive(holder)):
        raise TrainingLockedError(
            f"Model {name!r} is already being trained by process {holder}; wait for it or use another --name.")


@contextmanager
def training_lock(name: str, root: Path | None = None) -> Iterator[None]:
    """Hold an exclusive lock on writing model `name`; a second writer gets TrainingLockedError."""
    root = _root(root)
    root.mkdir(parents=True, exist_ok=True)
    lock = _lock_path(name, root)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            refuse_if_training(name, root)
            lock.unlink(missing_ok=True)  # stale lock of a dead process
    else:
        raise TrainingLockedError(f"Could not lock model {name!r}; remove {lock} if no training is running.")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def clean_stale_temp(root: Path | None = None) -> None:
    """Remove temporary folders left by training processes that no longer run."""
    root = _root(root)
    for path in root.glob(".tmp-*") if root.is_dir() else []:
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def staged_model_dir(name: str, root: Path | None = None) -> Iterator[Path]:
    """Yield a hidden temporary folder; on success it replaces `models/<name>`, on error it is removed."""
    root = _root(root)
    target = model_dir(name, root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        old = root / f".old-{name}-{os.getpid()}"
        if target.exists():
            os.rename(target, old)  # the old model stays whole until the new one is in place
        os.rename(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
