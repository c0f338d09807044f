"""ui.messages.public: a core error's server paths become `models/...`, `<data cache>/...` or `…/name`."""

from __future__ import annotations

import pytest

from ui.messages import public
from vae_core import store
from vae_core.errors import ModelLoadError


@pytest.fixture()
def roots(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("VAE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_a_damaged_model_file_is_named_inside_models(roots):
    (roots / "store" / "x").mkdir(parents=True)
    (roots / "store" / "x" / store.MODEL_FILE).write_bytes(b"not a zip")
    with pytest.raises(ModelLoadError) as caught:
        store.check_model_file(roots / "store" / "x" / store.MODEL_FILE)
    assert str(roots) in str(caught.value)  # the core names the file by its path (the CLI and the log keep it)
    shown = public(caught.value)
    assert shown.startswith("models/x/model.keras is not a valid .keras file") and str(roots) not in shown


@pytest.mark.parametrize("text,expected", [
    ("No model named 'q' in {root}/store (available: a).", "No model named 'q' in models (available: a)."),
    ("{root}/store2/q/config.json is missing", "…/config.json is missing"),  # a sibling folder is not the store
    ("put the files into {root}/data (or set VAE_DATA_DIR).", "put the files into <data cache> (or set VAE_DATA_DIR)."),
    ("Could not read /srv/elsewhere/w.h5 (x); see https://example.org/a/b, 3/4 and a/b",
     "Could not read …/w.h5 (x); see https://example.org/a/b, 3/4 and a/b"),
    ("'{root}/store/a b/model.keras'", "'models/a b/model.keras'"),
])
def test_other_paths(roots, text, expected):
    assert public(text.format(root=roots)) == expected
