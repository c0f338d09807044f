import json
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from vae_core import store
from vae_core.artifacts import load_model
from vae_core.errors import ModelLoadError, ModelNotFoundError, UserError


def _copy(store_root, tmp_path, name="tiny"):
    shutil.copytree(store_root / name, tmp_path / name)
    return tmp_path / name


def test_fresh_process_round_trip_gives_identical_outputs(store_root, tiny, tmp_path):
    z = np.linspace(-2, 2, 10, dtype=np.float32).reshape(5, 2)
    here = tiny.fast.decode(z)
    np.save(tmp_path / "z.npy", z)
    code = (
        "import sys, numpy as np, keras\n"
        "import vae_core  # registers the custom objects; nothing else is set up\n"
        f"vae = keras.saving.load_model({str(store_root / 'tiny' / 'model.keras')!r})\n"
        f"z = np.load({str(tmp_path / 'z.npy')!r})\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, keras.ops.convert_to_numpy(vae.decoder(z))[..., 0])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), here)


def test_a_model_loads_whatever_was_imported_first(store_root, tiny, tmp_path):
    """`import vae_core` before keras registers nothing yet; vae_core.artifacts.load_file loads in any order."""
    z = np.linspace(-2, 2, 10, dtype=np.float32).reshape(5, 2)
    np.save(tmp_path / "z.npy", z)
    code = (
        "import numpy as np\n"
        "import vae_core\n"
        "import keras\n"
        "from vae_core.artifacts import load_file\n"
        f"vae = load_file({str(store_root / 'tiny' / 'model.keras')!r})\n"
        f"z = np.load({str(tmp_path / 'z.npy')!r})\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, keras.ops.convert_to_numpy(vae.decoder(z))[..., 0])\n"
        f"assert keras.saving.load_model({str(store_root / 'tiny' / 'model.keras')!r}).name == vae.name\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), tiny.fast.decode(z))


def test_a_damaged_history_is_named_not_raised(store_root, tmp_path):
    folder = _copy(store_root, tmp_path)
    (folder / "history.json").write_text('{"loss": [1.0, 2.0], "val_loss": [1.0, null]}')
    loaded = load_model("tiny", tmp_path)
    assert loaded.history == {} and "'val_loss' has null at epoch 2" in loaded.history_problem
    (folder / "history.json").write_bytes(b"")
    assert "not valid JSON" in load_model("tiny", tmp_path).history_problem


def test_loaded_model_carries_its_config_and_history(tiny):
    assert tiny.config.latent_dim == 2 and tiny.config.seed == 1
    assert len(tiny.history["val_loss"]) == 2
    assert len(tiny.file_hash) == 64


@pytest.mark.parametrize("name", ["../tiny", "a/b", "..", "", "x y", ".hidden", "a" * 65, "tiny\x00", "tiny\n"])
def test_bad_names_are_refused(store_root, name):
    with pytest.raises(UserError, match="Invalid model name"):
        load_model(name, store_root)


def test_missing_model(store_root):
    with pytest.raises(ModelNotFoundError, match="python -m vae_core train --name nothing"):
        load_model("nothing", store_root)


def test_truncated_model_file(store_root, tmp_path):
    folder = _copy(store_root, tmp_path)
    data = (folder / "model.keras").read_bytes()
    (folder / "model.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="not a valid .keras file"):
        load_model("tiny", tmp_path)


def test_garbage_model_file(store_root, tmp_path):
    folder = _copy(store_root, tmp_path)
    (folder / "model.keras").write_bytes(b"not a zip at all")
    with pytest.raises(ModelLoadError):
        load_model("tiny", tmp_path)


def test_config_that_does_not_match_the_weights(store_root, tmp_path):
    folder = _copy(store_root, tmp_path)
    saved = json.loads((folder / "config.json").read_text())
    saved["model"]["latent_dim"] = 3
    (folder / "config.json").write_text(json.dumps(saved))
    with pytest.raises(ModelLoadError, match="do not belong together"):
        load_model("tiny", tmp_path)


def test_missing_or_broken_config(store_root, tmp_path):
    folder = _copy(store_root, tmp_path)
    (folder / "config.json").write_text("{broken")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        load_model("tiny", tmp_path)
    (folder / "config.json").unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        load_model("tiny", tmp_path)


def _rewrite_config(path, transform):
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["config.json"] = transform(entries["config.json"].decode()).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)


def test_unknown_custom_object_is_refused(store_root, tmp_path):
    folder = _copy(store_root, tmp_path)
    _rewrite_config(folder / "model.keras", lambda c: c.replace("vae_core>VAE", "evil>Backdoor"))
    with pytest.raises(ModelLoadError, match="Could not load"):
        load_model("tiny", tmp_path)


def test_lambda_layer_is_not_executed(store_root, tmp_path):
    """A .keras file with a Lambda layer (arbitrary code) must not load: safe mode stays on."""
    marker = tmp_path / "pwned"
    code = (
        "import keras\n"
        f"f = lambda x: (open({str(marker)!r}, 'w').close(), x)[1]\n"
        "i = keras.Input((2,)); m = keras.Model(i, keras.layers.Lambda(f)(i))\n"
        f"m.save({str(tmp_path / 'evil.keras')!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    marker.unlink(missing_ok=True)
    folder = _copy(store_root, tmp_path)
    shutil.copy(tmp_path / "evil.keras", folder / "model.keras")
    with pytest.raises(ModelLoadError):
        load_model("tiny", tmp_path)
    assert not marker.exists()


def test_list_models_ignores_hidden_and_incomplete_folders(store_root, tmp_path):
    _copy(store_root, tmp_path)
    (tmp_path / ".tmp-x-1").mkdir()
    (tmp_path / "empty").mkdir()
    assert store.list_models(tmp_path) == ["tiny"]
