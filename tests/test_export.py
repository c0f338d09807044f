"""The decoder's weight file: export -> load -> the same decoding in NumPy; named by the model file's hash; every
damaged form a reader may find is rejected, and the cache is written again."""

import json
import struct

import numpy as np
import pytest

from devtools.reference_decoder import decode_numpy
from vae_core import export
from vae_core.artifacts import load_model


@pytest.fixture(scope="module")
def models(store_root):
    return [load_model(name, store_root) for name in ("tiny", "tiny3", "tinyae")]


def _framed(header, body: bytes) -> bytes:
    head = json.dumps(header).encode()
    head += b" " * (-(12 + len(head)) % 4)
    return b"VAEDEC01" + struct.pack("<I", len(head)) + head + body


DAMAGES = ("list header", "null tensors", "string shape", "string latent_dim", "truncated data", "NaN weights",
           "header past the end", "another magic")


def damaged_files(good: bytes) -> dict[str, bytes]:
    """Forms of a decoder file whose header parses (or nearly), each wrong in one way, by the damage done."""
    (length,) = struct.unpack("<I", good[8:12])
    header, body = json.loads(good[12:12 + length]), good[12 + length:]
    string_shape = json.loads(json.dumps(header))
    string_shape["tensors"][0]["shape"] = "2, 3136"
    nan = np.frombuffer(body, "<f4").copy()
    nan[len(nan) // 2] = np.nan
    return {
        "list header": _framed(header["tensors"], body),
        "null tensors": _framed({**header, "tensors": None}, body),
        "string shape": _framed(string_shape, body),
        "string latent_dim": _framed({**header, "latent_dim": str(header["latent_dim"])}, body),
        "truncated data": good[:-100],
        "NaN weights": _framed(header, nan.tobytes()),
        "header past the end": good[:8] + struct.pack("<I", len(good)) + good[12:],
        "another magic": b"PK\x03\x04" + good[4:],
    }


def test_export_round_trip_decodes_like_the_model(models):
    z_rng = np.random.default_rng(0)
    for loaded in models:
        data = export.export_decoder(loaded)
        path = export.decoder_file(loaded)
        assert path.read_bytes() == data  # written into models/<name>/cache/, named by the model file's hash
        assert path.parent == loaded.folder / "cache" and loaded.file_hash[:16] in path.name
        header, tensors = export.from_bytes(path.read_bytes())
        assert header["latent_dim"] == loaded.config.latent_dim and header["model_sha256"] == loaded.file_hash
        assert [(name, array.shape) for name, array in tensors.items()] == [
            ("dense.kernel", (loaded.config.latent_dim, 3136)), ("dense.bias", (3136,)),
            ("t1.kernel", (3, 3, 64, 64)), ("t1.bias", (64,)), ("t2.kernel", (3, 3, 64, 32)), ("t2.bias", (32,)),
            ("t3.kernel", (3, 3, 32, 1)), ("t3.bias", (1,))]
        z = (z_rng.standard_normal((25, loaded.config.latent_dim)) * 2).astype(np.float32)
        np.testing.assert_allclose(decode_numpy(tensors, z), loaded.fast.decode(z), atol=2e-5)


def test_a_stale_file_is_exported_again(models):
    loaded = models[0]
    path = export.decoder_file(loaded)
    good = export.export_decoder(loaded)
    header, tensors = export.from_bytes(good)
    path.write_bytes(export.to_bytes(tensors, 2, "0" * 64))  # weights of another model file
    assert export.export_decoder(loaded) == good and path.read_bytes() == good


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_file_is_rejected_and_exported_again(models, damage):
    loaded = models[0]
    path = export.decoder_file(loaded)
    good = export.export_decoder(loaded)
    bad = damaged_files(good)[damage]
    assert bad != good
    with pytest.raises(ValueError, match="decoder file") as caught:
        export.from_bytes(bad)
    assert "\n" not in str(caught.value)
    path.write_bytes(bad)
    assert export.export_decoder(loaded) == good and path.read_bytes() == good


def test_from_bytes_rejects_other_files():
    with pytest.raises(ValueError, match="not a vae_core decoder file"):
        export.from_bytes(b"PK\x03\x04 a zip file")
