"""`train --distribute`: mirrored over two logical CPU devices and multi-worker as two local processes reach the
single-device run's loss; the gradient of a mirrored step is the single-device gradient (not one per replica).

Tolerance: after the same epochs on the same 256 digits, the validation loss of a distributed run is within 1% of
the single-device run's (not equal: the replicas draw their own sampling noise).
Each run is a fresh process: logical devices and a multi-worker strategy must be set up before TensorFlow starts.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import PROJECT
from vae_core import distribute
from vae_core.errors import UserError

TINY = ["--epochs", "2", "--train-limit", "256", "--test-limit", "128", "--batch-size", "64", "--seed", "1",
        "--no-evaluate"]
TOLERANCE = 0.01  # relative, on the best validation loss

# one process with two logical CPU devices: the SGD step check, then the CLI without and with --distribute mirrored
MIRRORED = """
import contextlib, json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from vae_core import distribute
from vae_core.__main__ import main
from vae_core.config import ModelConfig
from vae_core.model import build_vae

x = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
weights = {}
for mode in ("none", "mirrored"):  # one plain SGD step of a deterministic autoencoder on the same 64 images
    strategy = distribute.strategy(mode)
    with strategy.scope() if strategy else contextlib.nullcontext():
        model = build_vae(ModelConfig(kind="ae", seed=3))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5))
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, batch_size=64, epochs=1, shuffle=False, verbose=0)
    weights[mode] = [a - b for a, b in zip(model.get_weights(), before)]
step_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(weights["none"], weights["mirrored"]))
step_size = max(float(np.max(np.abs(a))) for a in weights["none"])
codes = {mode: main(["train", "--name", mode, "--distribute", mode, *sys.argv[1:]]) for mode in ("none", "mirrored")}
print(json.dumps({"codes": codes, "step_diff": step_diff, "step_size": step_size,
                  "replicas": distribute.strategy("mirrored").num_replicas_in_sync}))
"""


def _env(models) -> dict:
    return {**os.environ, "VAE_MODELS_DIR": str(models), "PYTHONPATH": str(PROJECT), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _best(models, name: str) -> float:
    return json.loads((models / name / "config.json").read_text())["run"]["best_val_loss"]


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory, mnist):
    """(models folder, the script's report) after the single-device and the mirrored CLI runs."""
    models = tmp_path_factory.mktemp("distributed")
    done = subprocess.run([sys.executable, "-c", MIRRORED, *TINY], env=_env(models), cwd=PROJECT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return models, json.loads(done.stdout.strip().splitlines()[-1])


def test_mirrored_step_sums_replica_gradients_to_the_batch_gradient(mirrored):
    _, report = mirrored
    assert report["replicas"] == 2
    # one replica's share alone, or both shares summed without dividing, would move the weights half or twice as far
    assert report["step_size"] > 1e-3
    assert report["step_diff"] <= 1e-4 * report["step_size"] + 1e-6, report


def test_mirrored_run_reaches_the_single_device_loss(mirrored):
    models, report = mirrored
    assert report["codes"] == {"none": 0, "mirrored": 0}
    single, mirror = _best(models, "none"), _best(models, "mirrored")
    assert abs(mirror - single) <= TOLERANCE * single, (single, mirror)
    run = json.loads((models / "mirrored" / "config.json").read_text())["run"]
    assert run["replicas"] == 2 and run["epochs_run"] == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multiworker_run_on_two_local_processes_reaches_the_single_device_loss(mirrored, tmp_path):
    single = _best(mirrored[0], "none")
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    processes = []
    for index in range(2):
        env = {**_env(tmp_path / f"store{index}"),  # a store per worker, as on two machines
               "TF_CONFIG": json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "vae_core", "train", "--name", "mw", "--distribute", "multiworker", *TINY],
            env=env, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=900) for p in processes]
    finally:
        for p in processes:
            p.kill() if p.poll() is None else None
    assert [p.returncode for p in processes] == [0, 0], [err[-3000:] for _, err in outputs]
    assert "worker 1 of 2: done; the chief saves the model" in outputs[1][1]
    assert not (tmp_path / "store1" / "mw").exists()  # only the chief writes the model
    chief = _best(tmp_path / "store0", "mw")
    assert abs(chief - single) <= TOLERANCE * single, (single, chief)


def test_multiworker_needs_a_tf_config_that_names_this_worker(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(UserError, match="needs TF_CONFIG"):
        distribute.check("multiworker")
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker",
                                                                                       "index": 1}}))
    with pytest.raises(UserError, match="not one of its cluster's members"):
        distribute.check("multiworker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        distribute.check("multiworker")
    distribute.check("mirrored")  # needs nothing


def test_only_the_chief_writes(monkeypatch):
    def config(cluster, kind, index):
        monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": kind, "index": index}}))

    config({"worker": ["a:1", "b:1"]}, "worker", 0)
    assert distribute.is_chief("multiworker") and distribute.worker_label("multiworker") == "worker 0 of 2"
    config({"worker": ["a:1", "b:1"]}, "worker", 1)
    assert not distribute.is_chief("multiworker") and distribute.is_chief("none")
    config({"chief": ["c:1"], "worker": ["a:1"]}, "worker", 0)
    assert not distribute.is_chief("multiworker")
    config({"chief": ["c:1"], "worker": ["a:1"]}, "chief", 0)
    assert distribute.is_chief("multiworker")


def test_cli_refuses_multiworker_without_tf_config_before_importing_tensorflow(tmp_path):
    env = {k: v for k, v in _env(tmp_path).items() if k != "TF_CONFIG"}
    done = subprocess.run([sys.executable, "-c", "import sys; from vae_core.__main__ import main; code = main("
                           "['train', '--name', 'x', '--distribute', 'multiworker']); "
                           "assert 'tensorflow' not in sys.modules; sys.exit(code)"],
                          env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: --distribute multiworker needs TF_CONFIG")
    assert len(done.stderr.strip().splitlines()) == 1
