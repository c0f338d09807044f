import hashlib
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT
from vae_core import files


def test_atomic_write_replaces_whole_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "sub" / "x.json"
    files.write_json_atomic(path, {"a": [1, 2]})
    files.write_json_atomic(path, {"b": None})
    assert json.loads(path.read_text()) == {"b": None}
    assert os.listdir(path.parent) == ["x.json"] and oct(path.stat().st_mode & 0o777) == "0o644"


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "x.bin"
    files.write_bytes_atomic(path, b"old")

    def broken_fsync(_fd):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        files.write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.bin"]


def test_writes_are_fsynced_before_the_rename(tmp_path, monkeypatch):
    """The data reaches the disk before the new name does (else a power cut can leave an empty file)."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(files.os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b)))
    files.write_bytes_atomic(tmp_path / "x", b"data")
    assert events == ["fsync", "rename", "fsync"]  # file, rename, folder


def test_sha256_of_a_file(tmp_path):
    data = os.urandom(3 << 20)
    (tmp_path / "x").write_bytes(data)
    assert files.sha256_of(tmp_path / "x") == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe\x00", b'{"a": 1} trailing'])
def test_damaged_json_is_one_line_naming_the_file(tmp_path, content):
    path = tmp_path / "h.json"
    path.write_bytes(content)
    with pytest.raises(files.DamagedFileError) as info:
        files.read_json(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(FileNotFoundError):
        files.read_json(tmp_path / "missing.json")


def test_quiet_import_is_safe_for_two_threads_at_once():
    """Two sessions load TensorFlow at the same moment: stderr (fd 2) must work afterwards.

    dup2 is slowed down so that the second thread starts while the first has fd 2 on /dev/null and, if it also
    redirects, puts its saved fd back last: without the lock it saves /dev/null as "stderr" and restores that.
    """
    code = """
import os, sys, threading, time
from vae_core import quiet
real_dup2 = os.dup2
order = []
def slow_dup2(a, b):
    me = threading.get_ident()
    if me not in order:  # the redirection
        order.append(me)
        real_dup2(a, b)
        time.sleep(0.3)
    else:  # the restore: the second thread restores last
        time.sleep(1.0 if order.index(me) == 1 else 0)
        real_dup2(a, b)
quiet.os.dup2 = slow_dup2
barrier = threading.Barrier(2)
def load():
    barrier.wait()
    quiet.import_keras_quietly()
threads = [threading.Thread(target=load) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
os.write(2, b"STDERR-STILL-WORKS")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "STDERR-STILL-WORKS" in result.stderr
