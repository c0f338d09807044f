import hashlib

import numpy as np
import pytest

from vae_core import data
from vae_core.errors import DataNotFoundError


def test_idx_round_trip():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path_bytes = data.idx_bytes(a)
    assert path_bytes[:4] == b"\x00\x00\x08\x03"


def test_idx_read(tmp_path):
    a = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    (tmp_path / "x").write_bytes(data.idx_bytes(a))
    np.testing.assert_array_equal(data.read_idx(tmp_path / "x"), a)
    assert data.idx_shape(tmp_path / "x") == (5, 28, 28)  # from the header alone
    mapped = data.read_idx(tmp_path / "x", mmap=True)
    np.testing.assert_array_equal(mapped, a)
    assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
    (tmp_path / "y").write_bytes(b"\x00\x00\x0d\x01" + bytes(8))  # float IDX: not ours
    with pytest.raises(ValueError, match="not an IDX file of unsigned bytes"):
        data.idx_shape(tmp_path / "y")


def _fake_store(tmp_path, content=b"payload"):
    checksums = {}
    for name in data.SHA256:
        (tmp_path / name).write_bytes(content + name.encode())
        checksums[name] = hashlib.sha256(content + name.encode()).hexdigest()
    return checksums


def test_verified_cache_is_used(tmp_path):
    checksums = _fake_store(tmp_path)
    assert data.ensure_files(tmp_path, checksums, allow_download=False).startswith("cache")


def test_wrong_checksum_is_refused_and_discarded(tmp_path):
    checksums = _fake_store(tmp_path)
    bad = "t10k-labels-idx1-ubyte"
    (tmp_path / bad).write_bytes(b"tampered")
    with pytest.raises(DataNotFoundError) as info:
        data.ensure_files(tmp_path, checksums, allow_download=False)
    assert "wrong SHA-256" in str(info.value) and bad in str(info.value)
    assert not (tmp_path / bad).exists()  # never used again


def test_no_source_message_lists_what_was_tried(tmp_path, monkeypatch):
    def fail(_target):
        raise OSError("network unreachable")

    monkeypatch.setattr(data, "_from_keras", fail)
    monkeypatch.setattr(data.shutil, "which", lambda _name: None)  # no npm
    with pytest.raises(DataNotFoundError) as info:
        data.ensure_files(tmp_path / "empty")
    message = str(info.value)
    assert "Keras download" in message and "network unreachable" in message
    assert "npm is not installed" in message and "VAE_DATA_DIR" in message


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path))
    assert data.cache_dir() == tmp_path


def test_real_mnist_matches_spec(mnist):
    assert mnist.x_train.shape == (60000, 28, 28, 1) and mnist.x_test.shape == (10000, 28, 28, 1)
    assert mnist.x_train.dtype == np.float32 and 0.0 <= mnist.x_train.min() and mnist.x_train.max() <= 1.0
    assert abs(float(mnist.x_train.mean()) - 0.13066) < 1e-4
    assert abs(float(mnist.x_train.std()) - 0.30811) < 1e-4
    assert np.bincount(mnist.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(mnist.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_bad_cached_file_is_fetched_again(tmp_path, monkeypatch):
    checksums = _fake_store(tmp_path)
    good = {name: (tmp_path / name).read_bytes() for name in data.SHA256}
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"corrupted")

    def refetch(target):
        for name, content in good.items():
            (target / name).write_bytes(content)

    monkeypatch.setattr(data, "_from_keras", refetch)
    assert data.ensure_files(tmp_path, checksums) == "Keras download (mnist.npz)"
    assert (tmp_path / "train-images-idx3-ubyte").read_bytes() == good["train-images-idx3-ubyte"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(data.SHA256)  # no temporary folder left


def test_a_download_is_verified_before_it_enters_the_cache(tmp_path, monkeypatch):
    checksums = _fake_store(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()  # the cache misses one file
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    seen = []

    def bad_source(target):
        seen.append(target)
        for name in data.SHA256:
            (target / name).write_bytes(b"wrong bytes")

    monkeypatch.setattr(data, "_from_keras", bad_source)
    monkeypatch.setattr(data.shutil, "which", lambda _name: None)
    with pytest.raises(DataNotFoundError, match="failed the SHA-256 check"):
        data.ensure_files(tmp_path, checksums)
    assert seen and seen[0] != tmp_path  # written elsewhere first
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # the good files untouched, no junk


def test_a_download_that_stalls_times_out(tmp_path, monkeypatch):
    """A server that accepts the connection and never answers: the source fails within the timeout."""
    import socket
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    monkeypatch.setattr(data, "KERAS_URL", f"http://127.0.0.1:{server.getsockname()[1]}/mnist.npz")
    monkeypatch.setattr(data, "TIMEOUT", 0.5)
    monkeypatch.setattr(data.shutil, "which", lambda _name: None)
    start = time.monotonic()
    try:
        with pytest.raises(DataNotFoundError, match="timed out"):
            data.ensure_files(tmp_path / "cache")
    finally:
        server.close()
    assert time.monotonic() - start < 10


def test_a_download_larger_than_mnist_is_refused(monkeypatch):
    import http.server
    import threading

    class Endless(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"x" * (1 << 16))
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(RuntimeError, match="more than"):
            data._download(f"http://127.0.0.1:{server.server_address[1]}/", limit=1 << 20, timeout=5)
    finally:
        server.shutdown()
