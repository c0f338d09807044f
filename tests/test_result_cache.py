"""The one disk cache: every damaged form of an array, arrays or JSON file is recomputed and repaired, never raised."""

import io
import json

import numpy as np
import pytest

from vae_core import result_cache


def _counter(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


ARRAY = np.arange(6, dtype=np.float32).reshape(3, 2)


def damage_npy(path, how):
    """Damage the .npy file at `path` in one of the ways a reader may find (the shapes follow the file's own)."""
    shape = np.load(path, allow_pickle=False).shape if how in ("wrong-shape", "wrong-dtype", "nan", "inf") else None
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"\x93NUMPY garbage " * 40)
    elif how == "pickle":  # an object array: must not be unpickled
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif how == "wrong-shape":
        np.save(path, np.zeros((*shape[:-1], shape[-1] + 1), np.float32))
    elif how == "wrong-dtype":
        np.save(path, np.zeros(shape, np.float64))
    elif how == "nan":
        np.save(path, np.full(shape, np.nan, np.float32))
    elif how == "inf":
        np.save(path, np.full(shape, np.inf, np.float32))
    elif how == "npz":  # another format under the name
        buffer = io.BytesIO()
        np.savez(buffer, a=ARRAY)
        path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "pickle", "wrong-shape", "wrong-dtype", "nan",
                                 "inf", "npz"])
def test_a_damaged_array_is_recomputed_and_repaired(tmp_path, how):
    path = tmp_path / "cache" / "a.npy"
    compute, calls = _counter(ARRAY)
    np.testing.assert_array_equal(result_cache.cached_array(path, compute, (3, 2)), ARRAY)
    np.testing.assert_array_equal(result_cache.cached_array(path, compute, (3, 2)), ARRAY)
    assert calls == [1]  # the second read is a hit
    damage_npy(path, how)
    again = result_cache.cached_array(path, compute, (3, 2))
    np.testing.assert_array_equal(again, ARRAY)
    assert again.dtype == np.float32 and calls == [1, 1]
    np.testing.assert_array_equal(np.load(path, allow_pickle=False), ARRAY)  # the file holds the right array again


def test_computed_arrays_are_cast_to_the_dtype_asked_for(tmp_path):
    out = result_cache.cached_array(tmp_path / "b.npy", lambda: [[1, 2]], (1, 2))
    assert out.dtype == np.float32 and np.load(tmp_path / "b.npy").dtype == np.float32


SCORES = {"x": np.array([1.0, 2.0]), "y": np.array([3.0, 4.0])}
SHAPES = {"x": (2,), "y": (2,)}


@pytest.mark.parametrize("how", ["empty", "garbage", "missing-name", "extra-name", "wrong-shape", "wrong-dtype",
                                 "nan", "pickle"])
def test_damaged_named_arrays_are_recomputed(tmp_path, how):
    path = tmp_path / "s.npz"
    compute, calls = _counter(SCORES)
    result_cache.cached_arrays(path, compute, SHAPES, np.float64)
    if how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"PK\x03\x04 not a zip" * 10)
    elif how == "missing-name":
        np.savez(path, x=SCORES["x"])
    elif how == "extra-name":
        np.savez(path, **SCORES, z=SCORES["x"])
    elif how == "wrong-shape":
        np.savez(path, x=SCORES["x"], y=np.zeros(3))
    elif how == "wrong-dtype":
        np.savez(path, x=SCORES["x"], y=SCORES["y"].astype(np.float32))
    elif how == "nan":
        np.savez(path, x=SCORES["x"], y=np.array([np.nan, 1.0]))
    elif how == "pickle":
        np.savez(path, x=SCORES["x"], y=np.array([{"a": 1}, None], dtype=object))
    got = result_cache.cached_arrays(path, compute, SHAPES, np.float64)
    assert calls == [1, 1] and set(got) == {"x", "y"}
    np.testing.assert_array_equal(got["y"], [3.0, 4.0])
    with np.load(path, allow_pickle=False) as saved:
        np.testing.assert_array_equal(saved["y"], [3.0, 4.0])


def _record_valid(value):
    return isinstance(value, dict) and result_cache.is_number(value.get("accuracy"))


@pytest.mark.parametrize("text", ["", "{", "null", "[]", '"text"', '{"accuracy": null}', '{"accuracy": "0.5"}',
                                  '{"accuracy": true}', '{"accuracy": NaN}', '{"accuracy": Infinity}', "\x00\xff"])
def test_a_damaged_or_null_json_record_is_recomputed(tmp_path, text):
    path = tmp_path / "r.json"
    path.write_bytes(text.encode("latin-1"))
    compute, calls = _counter({"accuracy": 0.75})
    assert result_cache.cached_json(path, compute, _record_valid) == {"accuracy": 0.75}
    assert calls == [1] and json.loads(path.read_text()) == {"accuracy": 0.75}
    assert result_cache.cached_json(path, compute, _record_valid) == {"accuracy": 0.75} and calls == [1]


def test_a_result_with_nan_is_returned_but_not_cached(tmp_path):
    path = tmp_path / "n.json"
    compute, calls = _counter({"accuracy": float("nan")})
    assert np.isnan(result_cache.cached_json(path, compute, _record_valid)["accuracy"])
    assert not path.exists()


def test_a_read_only_folder_still_computes(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        compute, calls = _counter(ARRAY)
        np.testing.assert_array_equal(result_cache.cached_array(folder / "a.npy", compute, (3, 2)), ARRAY)
        assert calls == [1]
    finally:
        folder.chmod(0o755)


def test_is_number():
    assert result_cache.is_number(1) and result_cache.is_number(0.5)
    assert not result_cache.is_number(True) and not result_cache.is_number(float("inf"))
    assert not result_cache.is_number(None) and result_cache.is_number(None, allow_none=True)
    assert not result_cache.is_number("1")
