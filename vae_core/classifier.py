"""A small CNN digit classifier trained on MNIST: the instrument that says whether a picture reads as a digit.

It measures, it is not part of the VAE: pages and benchmarks ask it which digit an uploaded input, a reconstruction
or a prior sample shows (`read_digits`). It lives in the model store as `_classifier/classifier.keras`, a folder
`store.list_models` does not list (it holds no model.keras). It is trained with Keras and read in NumPy
(vae_core.lean: no TensorFlow, nothing unpickled), so the app's server reads digits without TensorFlow.
"""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path

import numpy as np

from . import files, store
from .errors import ModelNotFoundError

FOLDER = "_classifier"
FILE = "classifier.keras"
INFO_FILE = "classifier.json"
SHIPPED = store.PROJECT_ROOT / "models" / FOLDER / FILE


def classifier_path(root: Path | None = None) -> Path:
    """Where the classifier is: in the store at `root` (or the current store), else the shipped one."""
    path = Path(root or store.models_root()) / FOLDER / FILE
    return path if root is not None or path.is_file() else SHIPPED


def build_classifier(seed: int = 0):
    """Two conv blocks and a dense layer (~100k weights); ~99 % on the MNIST test set after six epochs."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="digit_classifier")


def train_classifier(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                     epochs: int = 6, batch_size: int = 128, seed: int = 0, verbose: int = 0):
    """Fit on (N, 28, 28[, 1]) images in [0, 1] and integer labels; return (model, info dict with test accuracy)."""
    import keras

    model = build_classifier(seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(_batch(x_train), np.asarray(y_train), epochs=epochs, batch_size=batch_size, verbose=verbose,
              shuffle=True)
    seconds = time.perf_counter() - start
    predicted = np.argmax(model.predict(_batch(x_test), batch_size=1024, verbose=0), axis=1)
    info = {"epochs": epochs, "batch_size": batch_size, "seed": seed, "train_digits": len(x_train),
            "test_accuracy": float((predicted == np.asarray(y_test)).mean()), "training_seconds": round(seconds, 1)}
    return model, info


def save_classifier(model, info: dict, root: Path | None = None) -> Path:
    """Write the model and its info JSON atomically into `<store>/_classifier/`."""
    target = Path(root or store.models_root()) / FOLDER / FILE
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / FILE
        bare = build_classifier()  # the same layers without the optimizer's state: a third of the file
        bare.set_weights(model.get_weights())
        bare.save(staged)
        files.write_bytes_atomic(target, staged.read_bytes())
    files.write_json_atomic(target.parent / INFO_FILE, info)
    _load.cache_clear()
    return target


def load_classifier(path: Path | None = None):
    """The classifier for inference, loaded once per file: a callable images (N, 28, 28, 1) -> softmax (N, 10)."""
    path = Path(path or classifier_path())
    if not path.is_file():
        raise ModelNotFoundError(f"No digit classifier at {path}; train it with: python -m vae_core classifier")
    return _load(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load(path: str, mtime_ns: int):
    from .lean import LeanClassifier

    store.check_model_file(Path(path))
    return LeanClassifier(path)


def read_digits(images: np.ndarray, path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which digit each image (N, 28, 28) in [0, 1] shows: labels (N,) int64 and the softmax confidence (N,)."""
    images = np.asarray(images, np.float32)
    if len(images) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    model = load_classifier(path)
    probs = np.concatenate([model(_batch(images[i:i + 1024])) for i in range(0, len(images), 1024)])  # (N, 10)
    return probs.argmax(axis=1).astype(np.int64), probs.max(axis=1).astype(np.float32)


def _batch(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
