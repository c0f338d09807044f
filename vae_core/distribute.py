"""Training past one device: the tf.distribute strategy behind `train --distribute` (TensorFlow backend).

- "mirrored": `tf.distribute.MirroredStrategy` over this machine's GPUs, or over its logical CPU devices when it
  has no GPU (one CPU device unless the process split it with `tf.config.set_logical_device_configuration`).
- "multiworker": `tf.distribute.MultiWorkerMirroredStrategy`; the cluster and this process's place in it come from
  the `TF_CONFIG` environment variable, one process per worker, all started with the same command.

Keras 3 builds and compiles the model inside `strategy.scope()` (train.fit), splits each global batch of
`batch_size` images between the replicas and all-reduces their gradients with a sum; `VAE.train_step` divides its
per-replica mean loss by the number of replicas so that the sum is the gradient of the global batch mean.
Only the chief (worker 0, or the task of type "chief") writes the model; the other workers train their share.
"""

from __future__ import annotations

import functools
import json
import os

from .errors import UserError


def tf_config() -> dict:
    """The parsed `TF_CONFIG` ({} when unset); UserError when it is not a JSON object with cluster and task."""
    text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UserError(f"TF_CONFIG is not valid JSON ({exc}).") from None
    if not (isinstance(value, dict) and isinstance(value.get("cluster"), dict) and isinstance(value.get("task"), dict)):
        raise UserError('TF_CONFIG must be {"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", '
                        '"index": N}}.')
    return value


def check(mode: str) -> None:
    """Raise UserError now (before TensorFlow is imported) when `mode` cannot run in this environment."""
    if mode != "multiworker":
        return
    config = tf_config()
    if not config:
        raise UserError('--distribute multiworker needs TF_CONFIG, e.g. {"cluster": {"worker": ["host1:12345", '
                        '"host2:12345"]}, "task": {"type": "worker", "index": 0}} (one process per worker).')
    task, cluster = config["task"], config["cluster"]
    members = cluster.get(task.get("type"))
    index = task.get("index")
    if not isinstance(members, list) or not isinstance(index, int) or not 0 <= index < len(members):
        raise UserError(f"TF_CONFIG's task {task} is not one of its cluster's members {cluster}.")


def is_chief(mode: str) -> bool:
    """Whether this process writes the model: always, except in a multi-worker run where only the chief does."""
    if mode != "multiworker":
        return True
    config = tf_config()
    task = config.get("task", {})
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and task.get("index") == 0


def worker_label(mode: str) -> str:
    """'worker 1/2' style label of this process in a multi-worker run ('' otherwise)."""
    if mode != "multiworker":
        return ""
    config = tf_config()
    task = config["task"]
    return f"{task['type']} {task['index']} of {sum(len(m) for m in config['cluster'].values())}"


@functools.cache  # one per process: MultiWorkerMirroredStrategy starts a server and cannot be created twice
def strategy(mode: str):
    """The tf.distribute strategy for `mode`, or None for "none" (Keras then uses TensorFlow's default strategy)."""
    if mode == "none":
        return None
    import tensorflow as tf

    if mode == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if mode == "multiworker":
        check(mode)
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown distribute mode {mode!r}")


def reducible(results: dict) -> dict:
    """A train/test step's outputs in a shape Keras 3 can reduce across workers.

    Keras 3.15 reduces a multi-worker step's outputs with `strategy.reduce("MEAN", v, axis=0)`, which fails on the
    scalar losses a custom step returns (tensorflow/tensorflow#72388): give each a leading axis of 1 there. The
    condition is Keras's own (keras/src/backend/tensorflow/trainer.py, _collective_all_reduce_multi_worker).
    """
    import tensorflow as tf

    current = tf.distribute.get_strategy()
    if isinstance(current, tf.distribute.MultiWorkerMirroredStrategy) and current.extended._in_multi_worker_mode():
        return {key: tf.reshape(value, (1,)) for key, value in results.items()}
    return results
