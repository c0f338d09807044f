"""The model store under stress: a replacement killed at every step, leftovers of dead writers, OS locks.

The model files here are small stand-ins (the store never looks inside them), so each killed writer is a plain
Python process that starts in a fraction of a second.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT
from vae_core import store
from vae_core.errors import TrainingLockedError, UserError

FILES = (store.MODEL_FILE, store.CONFIG_FILE, store.HISTORY_FILE)
WRITER = f"""
import sys
from pathlib import Path
from vae_core import store
with store.staged_model_dir("m", Path(sys.argv[1])) as tmp:
    for name in {FILES!r}:
        (tmp / name).write_text("new " + name)
"""


def _write(folder, tag):
    folder.mkdir()
    for name in FILES:
        (folder / name).write_text(f"{tag} {name}")


def _tag(folder):
    """'old' or 'new' when `folder` holds all three files of one model, None when absent; fails on a mix."""
    if not folder.exists():
        return None
    contents = {name: (folder / name).read_text() if (folder / name).is_file() else "" for name in FILES}
    tags = {text.split(" ")[0] for text in contents.values()}
    assert len(tags) == 1 and all(text.endswith(name) for name, text in contents.items()), contents
    return tags.pop()


def _hidden(root):
    """Hidden entries but the lock files (they stay; a lock is the flock on one, not the file)."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock"))


def _run(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, *args], cwd=PROJECT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, **kwargs)


def _dead_pid():
    return int(_run("-c", "import os; print(os.getpid())").stdout)


def test_a_replacement_completes_and_leaves_nothing_behind(tmp_path):
    _write(tmp_path / "m", "old")
    result = _run("-c", WRITER, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert _tag(tmp_path / "m") == "new" and _hidden(tmp_path) == []


def test_an_error_while_writing_keeps_the_old_model(tmp_path):
    _write(tmp_path / "m", "old")
    with pytest.raises(RuntimeError):
        with store.staged_model_dir("m", tmp_path) as tmp:
            (tmp / store.MODEL_FILE).write_text("half")
            raise RuntimeError("disk full")
    assert _tag(tmp_path / "m") == "old" and _hidden(tmp_path) == []


CASES = [(step, existing) for step in store.FAULT_STEPS for existing in (True, False)
         if existing or step != "displaced"]  # a first model displaces nothing


@pytest.mark.parametrize(("step", "existing"), CASES)
@pytest.mark.parametrize("next_start", ["list_models", "training_lock"])
def test_killed_at_any_step_the_old_or_the_new_model_survives(tmp_path, step, existing, next_start):
    if existing:
        _write(tmp_path / "m", "old")
    result = _run("-c", WRITER, str(tmp_path), env={store.FAULT_ENV: step})
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _tag(tmp_path / "m") in ("old", "new", None)  # whatever is at the name is one whole model
    if next_start == "list_models":  # the app's next page load
        store.list_models(tmp_path)
    else:  # the next training of any name
        with store.training_lock("other", tmp_path):
            store.recover_leftovers(tmp_path)
    new_won = store.FAULT_STEPS.index(step) >= store.FAULT_STEPS.index("ready")
    assert _tag(tmp_path / "m") == ("new" if new_won else "old" if existing else None)
    assert store.list_models(tmp_path) == (["m"] if new_won or existing else [])
    assert _hidden(tmp_path) == []  # leftovers recovered or removed
    store.refuse_if_training("m", tmp_path)  # the dead writer's lock is free


def test_a_displaced_model_comes_back_when_nothing_replaced_it(tmp_path):
    _write(tmp_path / f".old-m-{_dead_pid()}", "old")
    assert store.list_models(tmp_path) == ["m"] and _tag(tmp_path / "m") == "old"


def test_a_live_writers_temporary_folder_is_left_alone(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _write(tmp_path / f".tmp-m-{writer.pid}", "new")
        dead = tmp_path / f".tmp-m-{_dead_pid()}"
        _write(dead, "new")
        store.list_models(tmp_path)
        assert (tmp_path / f".tmp-m-{writer.pid}").is_dir() and not dead.exists()
    finally:
        writer.kill()
        writer.wait()


HOLDER = """
import sys, time
from pathlib import Path
from vae_core import store
with store.training_lock("x", Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_lock_holder_killed_with_sigkill_leaves_the_lock_free(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=PROJECT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(TrainingLockedError, match=f"already being trained by process {holder.pid}"):
            store.refuse_if_training("x", tmp_path)
        with pytest.raises(TrainingLockedError, match="already being trained"):
            with store.training_lock("x", tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
    store.refuse_if_training("x", tmp_path)  # the kernel released it
    with store.training_lock("x", tmp_path):
        pass
    assert (tmp_path / ".x.lock").is_file()  # the file stays: every writer locks the same one


def test_a_lock_is_taken_again_after_release_in_one_process(tmp_path):
    for _ in range(3):
        with store.training_lock("x", tmp_path):
            with pytest.raises(TrainingLockedError):
                with store.training_lock("x", tmp_path, wait=0):  # another open file of the same lock
                    pass


def test_a_lock_file_naming_a_live_process_is_not_a_lock(tmp_path):
    """PID files break when a PID is reused (containers start at 1): only a held OS lock counts."""
    (tmp_path / ".x.lock").write_text("1")
    store.refuse_if_training("x", tmp_path)
    with store.training_lock("x", tmp_path):
        assert (tmp_path / ".x.lock").read_text() == str(os.getpid())


RACER = """
import sys, time
from pathlib import Path
from vae_core import store
from vae_core.errors import TrainingLockedError
root, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
try:
    with store.training_lock("r", root):
        print("won", flush=True)
        time.sleep(3)
except TrainingLockedError:
    print("refused", flush=True)
"""


@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale-lock-file"])
def test_racing_writers_exactly_one_wins(tmp_path, stale):
    root = tmp_path / "models"
    root.mkdir()
    if stale:
        (root / ".r.lock").write_text(str(_dead_pid()))
    go = tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(root), str(go)], cwd=PROJECT,
                               stdout=subprocess.PIPE, text=True) for _ in range(6)]
    time.sleep(1.5)  # let them all start and wait on the flag
    go.touch()
    outcomes = sorted(racer.communicate(timeout=60)[0].strip() for racer in racers)
    assert outcomes == ["refused"] * 5 + ["won"], outcomes


def test_refuse_if_training_needs_no_tensorflow(tmp_path):
    code = (f"import sys; from vae_core import store; store.refuse_if_training('x', {str(tmp_path)!r}); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["tiny\n", "tiny\n\n", "\ntiny", "a\nb"])
def test_names_match_in_full(name):
    with pytest.raises(UserError, match="Invalid model name"):
        store.validate_name(name)


@pytest.mark.parametrize("name", ["_classifier", "_x", "-x", "--help", "-"])
def test_names_starting_with_underscore_or_dash_are_refused_in_one_sentence(name):
    with pytest.raises(UserError) as refused:
        store.validate_name(name)
    message = str(refused.value)
    assert f"names starting with {name[0]!r} are reserved" in message and "\n" not in message


@pytest.mark.parametrize("name", ["a", "default", "beta0_5", "latent16-lowbeta", "9" * 64])
def test_ordinary_names_pass(name):
    assert store.validate_name(name) == name


def test_the_classifier_folder_is_never_a_model_even_with_a_model_file(tmp_path):
    _write(tmp_path / "_classifier", "old")
    _write(tmp_path / "m", "old")
    assert store.list_models(tmp_path) == ["m"]


def test_stale_metrics_are_not_shown_as_the_current_models(tmp_path):
    from vae_core.files import write_json_atomic

    path = tmp_path / store.METRICS_FILE
    assert store.read_metrics(tmp_path, "abc") == (None, None)  # none measured yet
    write_json_atomic(path, {"negative_elbo": 150.0, store.METRICS_HASH_KEY: "abc"})
    assert store.read_metrics(tmp_path, "abc") == ({"negative_elbo": 150.0, store.METRICS_HASH_KEY: "abc"}, None)
    metrics, note = store.read_metrics(tmp_path, "def")
    assert metrics is None and "earlier model file" in note and "evaluate --model" in note
    write_json_atomic(path, {"negative_elbo": 150.0})
    metrics, note = store.read_metrics(tmp_path, "def")
    assert metrics == {"negative_elbo": 150.0} and "does not record which model file" in note
    for damaged in (b"", b'{"negative_elbo": 1', b"\xff\xfe", b"[1, 2]"):
        path.write_bytes(damaged)
        metrics, note = store.read_metrics(tmp_path, "abc")
        assert metrics is None and str(path) in note and "\n" not in note


@pytest.mark.parametrize(("metrics", "problem"), [
    ({"negative_elbo": 1.0}, "no value for 'knn_accuracy'"),
    ({"negative_elbo": None, "knn_accuracy": 0.5}, "no value for 'negative_elbo'"),
    ({"negative_elbo": "150", "knn_accuracy": 0.5}, "'150' for 'negative_elbo'"),
    ({"negative_elbo": float("inf"), "knn_accuracy": 0.5}, "inf for 'negative_elbo'"),
    ({"negative_elbo": True, "knn_accuracy": 0.5}, "True for 'negative_elbo'"),
    ({"negative_elbo": 150, "knn_accuracy": 0.5}, None),
])
def test_metric_problems_are_named(metrics, problem):
    found = store.metric_problem(metrics, ("negative_elbo", "knn_accuracy"))
    assert found == problem if problem is None else problem in found
