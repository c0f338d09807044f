"""A training's progress as a small JSON file another process can watch (`train --progress-file`; the Train page).

The file is replaced atomically at every change, so a reader sees one whole state or the previous one:
    {"name", "pid", "process_started", "state", "message", "settings", "epoch", "epochs", "step", "steps",
     "history", "started", "updated", "result"}
pid and process_started (the process's creation time, psutil's clock) tell the run's process from a later one
that got the same pid.
state: "loading" (TensorFlow and the data) -> "training" -> "evaluating" (the model is saved) -> one of
"done", "stopped" (SIGUSR1: the best weights so far were saved), "aborted" (SIGTERM / Ctrl-C: nothing written)
or "failed" (message: the one-line reason).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from .errors import UserError
from .files import read_json, write_json_atomic

FINAL_STATES = ("done", "stopped", "aborted", "failed")
BATCH_INTERVAL = 1.0  # seconds between two writes for batch progress (every epoch end is written)


class ProgressFile:
    """Writes one training's state to `path` (see the module docstring); all methods are cheap when throttled."""

    def __init__(self, path: Path, name: str, settings: dict[str, Any], epochs: int):
        self.path = Path(path)
        self.value: dict[str, Any] = {
            "name": name, "pid": os.getpid(), "process_started": psutil.Process().create_time(),
            "state": "loading", "message": "loading TensorFlow and the data",
            "settings": settings, "epoch": 0, "epochs": epochs, "step": 0, "steps": 0, "history": {},
            "started": time.time(), "updated": time.time(), "result": None}
        self._written = 0.0
        self.update()

    def update(self, **changes: Any) -> None:
        self.value.update(changes, updated=time.time())
        write_json_atomic(self.path, self.value)
        self._written = time.monotonic()

    def on_batch(self, epoch: int, step: int, steps: int) -> None:
        if time.monotonic() - self._written >= BATCH_INTERVAL or step == steps:
            self.update(state="training", epoch=epoch, step=step, steps=steps,
                        message=f"epoch {epoch + 1}/{self.value['epochs']}, batch {step}/{steps}")
        else:
            self.value.update(epoch=epoch, step=step, steps=steps)

    def on_epoch(self, record: dict) -> None:
        history = self.value["history"]
        for key, value in record.items():
            if key != "epoch":
                history.setdefault(key, []).append(value)
        val = record.get("val_loss")
        self.update(epoch=record["epoch"], step=0, message=f"epoch {record['epoch']}/{self.value['epochs']} done"
                    + (f": validation loss {val:.2f}" if val is not None else ""))


@contextmanager
def tracked(path: Path | None, name: str, settings: dict[str, Any], epochs: int) -> Iterator[ProgressFile | None]:
    """A ProgressFile at `path` (None when no path) whose final state records how the block ended."""
    if path is None:
        yield None
        return
    progress = ProgressFile(path, name, settings, epochs)
    try:
        yield progress
    except KeyboardInterrupt:
        progress.update(state="aborted", message="aborted: nothing was written, the previous model is unchanged")
        raise
    except UserError as exc:
        progress.update(state="failed", message=str(exc))
        raise
    except BaseException as exc:
        progress.update(state="failed", message=f"{type(exc).__name__}: {exc}".strip().splitlines()[0])
        raise
    if progress.value["state"] not in FINAL_STATES:
        progress.update(state="done", message="done")


def read(path: Path) -> dict[str, Any] | None:
    """The last state written to `path`, or None when there is none (missing, or not a whole JSON object)."""
    try:
        value = read_json(path)
    except (OSError, ValueError, UserError):
        return None
    return value if isinstance(value, dict) and "state" in value else None


START_TOLERANCE = 2.0  # seconds between a process's recorded and actual creation time that still count as equal


def run_process(value: dict[str, Any]) -> psutil.Process | None:
    """The live `python -m vae_core train` process a progress file's state describes, or None.

    None when its pid is gone, or now belongs to another process: one created at another time than the file
    records, or whose command line is not a `vae_core train`. A file without a recorded creation time gives None.
    """
    pid, started = value.get("pid"), value.get("process_started")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(started, (int, float)):
        return None
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started) > START_TOLERANCE or process.status() == psutil.STATUS_ZOMBIE:
            return None
        words = " ".join(process.cmdline()).split()
    except (psutil.Error, OSError):
        return None
    return process if "vae_core" in words and "train" in words else None
