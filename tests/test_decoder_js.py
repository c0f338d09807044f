"""The browser's decoder (ui/latent_plane/decoder.js) run in Node: it decodes as the Keras decoder does, and it
rejects every damaged weight file with one line. Skips without `node`, except in CI (CI=true), where it fails."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from devtools.reference_decoder import decode_numpy
from tests.conftest import PROJECT
from tests.test_export import DAMAGES, damaged_files
from vae_core import export
from vae_core.artifacts import load_model

RUNNER = PROJECT / "tests" / "js" / "decode.mjs"


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed (CI needs it for the in-browser decoder's test)")
        pytest.skip("node is not installed")
    return path


def _run(node: str, tmp_path, weights: bytes, zs: np.ndarray) -> dict:
    (tmp_path / "decoder.bin").write_bytes(weights)
    (tmp_path / "z.json").write_text(json.dumps(np.asarray(zs, float).tolist()))
    done = subprocess.run([node, str(RUNNER), str(tmp_path / "decoder.bin"), str(tmp_path / "z.json")],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", ["tiny", "tiny3"])
def test_decoder_js_decodes_like_the_core(node, store_root, tmp_path, name):
    loaded = load_model(name, store_root)
    zs = (np.random.default_rng(4).standard_normal((5, loaded.config.latent_dim)) * 1.5).astype(np.float32)
    zs[0] = 0.0  # the origin: the decoder skips zero inputs
    got = np.asarray(_run(node, tmp_path, export.export_decoder(loaded), zs)["images"]).reshape(-1, 28, 28)
    np.testing.assert_allclose(got, loaded.fast.decode(zs), atol=1 / 255)


@pytest.mark.parametrize("damage", DAMAGES)
def test_decoder_js_rejects_a_damaged_file_in_one_line(node, tiny, tmp_path, damage):
    out = _run(node, tmp_path, damaged_files(export.export_decoder(tiny))[damage], np.zeros((1, 2)))
    assert "images" not in out
    assert out["error"].startswith("decoder file: ") and "\n" not in out["error"]


def test_decoder_js_takes_the_layer_sizes_from_the_header(node, tmp_path):
    """A smaller decoder of the same architecture (a 2x2 grid of 4 channels, then 8 and 4 filters: 8x8 images)."""
    rng = np.random.default_rng(5)
    shapes = {"dense.kernel": (3, 16), "dense.bias": (16,), "t1.kernel": (3, 3, 4, 8), "t1.bias": (8,),
              "t2.kernel": (3, 3, 8, 4), "t2.bias": (4,), "t3.kernel": (3, 3, 4, 1), "t3.bias": (1,)}
    tensors = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in shapes.items()}
    zs = rng.standard_normal((3, 3))
    got = np.asarray(_run(node, tmp_path, export.to_bytes(tensors, 3, "0" * 64), zs)["images"]).reshape(-1, 8, 8)
    np.testing.assert_allclose(got, decode_numpy(tensors, zs), atol=1e-6)
