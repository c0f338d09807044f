"""Train a VAE with the reference recipe (docs/reference.md §3) and save it atomically into the model store."""

from __future__ import annotations

import contextlib
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from . import distribute, store
from .artifacts import save_model
from .config import ModelConfig, TrainConfig
from .history import lr_drop_epochs
from .model import VAE, build_vae

HISTORY_KEYS = ("loss", "reconstruction_loss", "kl_loss", "val_loss", "val_reconstruction_loss", "val_kl_loss")
EpochCallback = Callable[[dict], None]  # receives one epoch's record (see EpochRecorder)
BatchCallback = Callable[[int, int, int], None]  # (epoch, step, steps_per_epoch)


class EpochRecorder(keras.callbacks.Callback):
    """Records losses, learning rate and seconds per epoch; drives a tqdm bar and plain callbacks."""

    def __init__(self, steps: int, epochs: int, on_epoch: EpochCallback | None = None,
                 on_batch: BatchCallback | None = None, show_progress: bool = True,
                 stop_requested: Callable[[], bool] | None = None):
        super().__init__()
        self.stop_requested = stop_requested
        self.stopped_by_request = False
        self.steps, self.epochs = steps, epochs
        self.on_epoch, self.on_batch = on_epoch, on_batch
        self.show_progress = show_progress
        self.history: dict[str, list[float]] = {k: [] for k in (*HISTORY_KEYS, "learning_rate", "seconds")}
        self._bar = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._start = epoch, time.perf_counter()
        if self.show_progress:
            # in a log file (not a terminal) redraw rarely, so the log keeps about one line per epoch
            self._bar = tqdm(total=self.steps, desc=f"epoch {epoch + 1}/{self.epochs}", unit="batch",
                             leave=True, dynamic_ncols=True, file=sys.stderr,
                             mininterval=0.1 if sys.stderr.isatty() else 600)

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._bar.update(1)
            if batch % 20 == 0 and logs:
                self._bar.set_postfix(loss=f"{float(logs['loss']):.2f}", refresh=False)
        if self.on_batch is not None:
            self.on_batch(self._epoch, batch + 1, self.steps)
        if self.stop_requested is not None and not self.stopped_by_request and self.stop_requested():
            # Keras ends the epoch after this batch, validates it, and EarlyStopping restores the best weights
            self.stopped_by_request = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        record = {k: float(logs[k]) for k in HISTORY_KEYS if k in logs}
        # runs after ReduceLROnPlateau: the rate in force at the end of this epoch (what the next epoch uses)
        record["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        record["seconds"] = time.perf_counter() - self._start
        for key in self.history:
            self.history[key].append(record.get(key, float("nan")))
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{record['loss']:.2f}", val_loss=f"{record.get('val_loss', float('nan')):.2f}",
                                  kl=f"{record['kl_loss']:.2f}", lr=f"{record['learning_rate']:.2g}")
            self._bar.close()
        if self.on_epoch is not None:
            self.on_epoch({"epoch": epoch + 1, **record})


def array_batches(x: np.ndarray, batch_size: int, shuffle_seed: int | None = None) -> tf.data.Dataset:
    """Batches of images x (N, ...) for `fit`, gathered by index from one tensor; reshuffled every epoch if seeded.

    The pipeline Keras builds for NumPy arrays sets its parallelism to AUTOTUNE, and freeing an iterator whose
    parameters are autotuned waits for the tuning thread's next wake-up, which comes later the longer the iterator
    lived (up to a minute): `fit` freed the last epoch's iterator as it returned and stalled for 0-25 s after 60,000
    images (bench/RESULTS.md). Here nothing is autotuned; like Keras, batches are gathered from the whole array.
    """
    images = tf.constant(x)  # one copy in TensorFlow's memory  (N, 28, 28, 1)
    indices = tf.data.Dataset.range(len(x))
    if shuffle_seed is not None:
        indices = indices.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = indices.batch(batch_size).map(lambda i: tf.gather(images, i)).prefetch(2)  # (batch_size, 28, 28, 1)
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_optimization.apply_default_optimizations = False  # no rewrite (it serialises `images`)
    return dataset.with_options(options)


def fit(config: ModelConfig, train: TrainConfig, x_train: np.ndarray, x_test: np.ndarray,
        on_epoch: EpochCallback | None = None, on_batch: BatchCallback | None = None,
        show_progress: bool = True, stop_requested: Callable[[], bool] | None = None,
        ) -> tuple[VAE, dict[str, list[float]], dict]:
    """Train a fresh VAE in memory; returns (vae with the best weights, history, run summary).

    `stop_requested` is polled after every batch: when it returns True the run ends after that batch (the epoch is
    validated and recorded) and the best weights so far are kept, so a stopped run is still a complete model.
    """
    x_train = x_train[: train.train_limit]
    x_test = x_test[: train.test_limit]
    strategy = distribute.strategy(train.distribute)  # None: one device
    with strategy.scope() if strategy is not None else contextlib.nullcontext():  # variables made per replica
        vae = build_vae(config, dtype=train.precision)
        vae.compile(optimizer=keras.optimizers.Adamax(learning_rate=train.learning_rate))
    steps = int(np.ceil(len(x_train) / train.batch_size))
    recorder = EpochRecorder(steps, train.epochs, on_epoch, on_batch, show_progress, stop_requested)
    early = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=train.early_stopping_patience, min_delta=train.early_stopping_min_delta,
        restore_best_weights=True)
    reduce = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=train.reduce_lr_factor, patience=train.reduce_lr_patience, min_lr=train.min_lr)
    start = time.perf_counter()
    vae.fit(array_batches(x_train, train.batch_size, shuffle_seed=config.seed), epochs=train.epochs,
            validation_data=array_batches(x_test, train.batch_size), callbacks=[reduce, early, recorder],
            shuffle=False, verbose=0)  # the dataset reshuffles itself
    seconds = time.perf_counter() - start
    if train.precision != "float32" or strategy is not None:
        # the saved model computes in float32 on one device like every other (same weights)
        trained, vae = vae, build_vae(config, dtype="float32")
        vae.set_weights(trained.get_weights())
    history = recorder.history
    val = np.asarray(history["val_loss"])
    # the epoch whose weights EarlyStopping restored (its own min_delta rule), else the lowest val_loss
    best = int(early.best_epoch) if early.best_weights is not None else int(np.nanargmin(val)) if len(val) else 0
    lr = history["learning_rate"]
    summary = {
        "epochs_run": len(val),
        "best_epoch": best + 1,
        "best_val_loss": float(val[best]) if len(val) else None,
        "best_val_reconstruction_loss": history["val_reconstruction_loss"][best] if len(val) else None,
        "best_val_kl_loss": history["val_kl_loss"][best] if len(val) else None,
        "stopped_early": len(val) < train.epochs and not recorder.stopped_by_request,
        "stopped_by_request": recorder.stopped_by_request,
        # epochs at whose end ReduceLROnPlateau lowered the rate (the rate epoch e + 1 trains with)
        "lr_reduced_after_epochs": lr_drop_epochs(lr),
        "training_seconds": round(seconds, 1),
        "train_images": len(x_train),
        "test_images": len(x_test),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpu_count": __import__("os").cpu_count(),
        "replicas": strategy.num_replicas_in_sync if strategy is not None else 1,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    return vae, history, summary


def train_and_save(name: str, config: ModelConfig, train: TrainConfig, x_train: np.ndarray, x_test: np.ndarray,
                   root: Path | None = None, data_source: str = "", **kwargs) -> Path:
    """Train and write `models/<name>/` atomically; the old folder stays intact until the new one is complete.

    Raises:
        TrainingLockedError: another process is training a model with this name.
    """
    store.validate_name(name)
    with store.training_lock(name, root):
        store.recover_leftovers(root)
        vae, history, summary = fit(config, train, x_train, x_test, **kwargs)
        summary["data_source"] = data_source
        with store.staged_model_dir(name, root) as tmp:
            save_model(tmp, vae, config, train, history, extra={"run": summary})
    return store.model_dir(name, root)
