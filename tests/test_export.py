"""The decoder's weight file: export -> load -> the same decoding in NumPy; named by the model file's hash."""

import numpy as np
import pytest

from vae_core import export
from vae_core.artifacts import load_model


@pytest.fixture(scope="module")
def models(store_root):
    return [load_model(name, store_root) for name in ("tiny", "tiny3", "tinyae")]


def test_export_round_trip_decodes_like_the_model(models):
    z_rng = np.random.default_rng(0)
    for loaded in models:
        data = export.export_decoder(loaded)
        path = export.decoder_file(loaded)
        assert path.read_bytes() == data  # written into models/<name>/cache/, named by the model file's hash
        assert path.parent == loaded.folder / "cache" and loaded.file_hash[:16] in path.name
        header, tensors = export.from_bytes(path.read_bytes())
        assert header["latent_dim"] == loaded.config.latent_dim and header["model_sha256"] == loaded.file_hash
        z = (z_rng.standard_normal((25, loaded.config.latent_dim)) * 2).astype(np.float32)
        np.testing.assert_allclose(export.decode_numpy(tensors, z), loaded.fast.decode(z), atol=2e-5)


def test_a_stale_or_damaged_file_is_exported_again(models, tmp_path):
    loaded = models[0]
    path = export.decoder_file(loaded)
    good = export.export_decoder(loaded)
    header, tensors = export.from_bytes(good)
    path.write_bytes(export.to_bytes(tensors, 2, "0" * 64))  # weights of another model file
    assert export.export_decoder(loaded) == good
    path.write_bytes(good[:1000])  # truncated
    assert export.export_decoder(loaded) == good and path.read_bytes() == good


def test_from_bytes_rejects_other_files():
    with pytest.raises(ValueError, match="not a vae_core decoder file"):
        export.from_bytes(b"PK\x03\x04 a zip file")
