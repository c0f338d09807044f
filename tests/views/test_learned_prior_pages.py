"""The learned prior beside N(0, I) on the Random samples, Prior holes and Compare pages, values checked against
the core (vae_core.prior, vae_core.holes, the lean model's decoder)."""

import base64
import io
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from tests.views.conftest import open_page
from vae_core import holes, prior, store
from vae_core.files import sha256_of
from vae_core.images import tile, to_uint8

FAR = (4.0, -4.0)  # the learned prior's one tight component, far from N(0, I)'s mass


def _far_prior() -> prior.MixturePrior:
    return prior.MixturePrior(np.ones(1), np.array([FAR]), 1e-4 * np.eye(2)[None], "gmm")


@pytest.fixture()
def prior_store(store_root, tmp_path, monkeypatch, mnist):
    """A store of copies of `tiny` (with a learned prior and metrics.json measuring both priors) and `tinyae`
    (neither); returns (folder of tiny, tiny's file hash)."""
    for name in ("tiny", "tinyae"):
        shutil.copytree(store_root / name, tmp_path / name)
    folder = tmp_path / "tiny"
    file_hash = sha256_of(folder / store.MODEL_FILE)
    prior.save_prior(folder, file_hash, _far_prior())
    metrics = json.loads((folder / store.METRICS_FILE).read_text()) if (folder / store.METRICS_FILE).exists() else {}
    metrics.update({store.METRICS_HASH_KEY: file_hash, "priors": {
        "standard": {"n": 10000, "confident_share": 0.25, "digits_covered": 8, "fid": 61.5,
                     "class_shares": [0.3, 0.2, 0.1, 0.1, 0.0, 0.1, 0.1, 0.1, 0.0, 0.0]},
        "learned": {"n": 10000, "confident_share": 0.875, "digits_covered": 10, "fid": 7.25, "method": "gmm",
                    "class_shares": [0.1] * 10}}})
    (folder / store.METRICS_FILE).write_text(json.dumps(metrics))
    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    return folder, file_hash


def _app() -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def _lean(root):
    from vae_core.artifacts import load_model

    return load_model("tiny", root, lean=True)


def _shown_images(at: AppTest) -> dict[str, np.ndarray]:
    """{caption: the image's grey pixels} of every st.image on the page (inline data URLs)."""
    out = {}
    for element in at.get("image"):
        for img in element.proto.imgs:
            assert img.url.startswith("data:image/png;base64,"), img.url[:40]
            png = base64.b64decode(img.url.split(",", 1)[1])
            out[img.caption] = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return out


def _unscaled(pixels: np.ndarray, scale: int) -> np.ndarray:
    return pixels[::scale, ::scale]


def test_samples_page_shows_the_learned_prior_beside_n01(prior_store):
    folder, _ = prior_store
    at = open_page(_app(), "samples")
    shown = _shown_images(at)
    learned = shown["20 samples from learned prior, seed 0"]
    standard = shown["20 samples from N(0, I), seed 0"]
    lean = _lean(folder.parent)
    # the page's learned gallery is the core's decode of the core's draws, same seed and count
    z = prior.draw("learned", _far_prior(), 2, 20, 0)
    np.testing.assert_array_equal(_unscaled(learned, 2), to_uint8(tile(lean.fast.decode(z), 10)))
    # and those draws sit at the one tight component: every tile is the digit decoded at FAR (within a grey level)
    at_far = lean.fast.decode(np.full((20, 2), FAR, np.float32))
    np.testing.assert_allclose(_unscaled(learned, 2).astype(float), to_uint8(tile(at_far, 10)).astype(float), atol=2)
    z_std = prior.draw("standard", None, 2, 20, 0)
    np.testing.assert_array_equal(_unscaled(standard, 2), to_uint8(tile(lean.fast.decode(z_std), 10)))
    assert any("python -m vae_core prior --model tiny" in m.value for m in at.markdown)
    table = at.dataframe[0].value.set_index("prior")
    assert (table.loc["learned prior (gmm)", "read (≥0.9)"], table.loc["learned prior (gmm)", "FID"]) == (0.875, 7.25)
    assert (table.loc["N(0, I)", "read (≥0.9)"], table.loc["N(0, I)", "FID"], table.loc["N(0, I)", "4"]) == (
        0.25, 61.5, 0.0)


def test_samples_page_seed_and_count_are_a_link(prior_store):
    at = _app()
    open_page(at, "samples")
    at.number_input(key="sample_seed").set_value(7)
    at.slider(key="sample_n").set_value(12)
    at.run()
    assert (at.query_params["seed"], at.query_params["n"]) == ("7", "12")
    assert "12 samples from learned prior, seed 7" in _shown_images(at)

    fresh = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    fresh.query_params.update({"seed": "31", "n": "6"})
    open_page(fresh, "samples")  # a link opens its page with the query string
    assert "6 samples from N(0, I), seed 31" in _shown_images(fresh)
    assert (fresh.number_input(key="sample_seed").value, fresh.slider(key="sample_n").value) == (31, 6)


def test_samples_page_without_a_prior_shows_n01_and_how_to_fit_one(prior_store):
    at = _app()
    at.sidebar.selectbox[0].set_value("tinyae")
    at.run()
    open_page(at, "samples")
    assert list(_shown_images(at)) == ["20 samples, seed 0"]
    assert any("python -m vae_core prior --model tinyae" in c.value for c in at.caption)
    assert not at.dataframe[0].value.columns.isin(["prior"]).any()  # only the latent points, no prior table


def test_holes_page_learned_median_matches_a_direct_computation(prior_store, mnist):
    folder, _ = prior_store
    at = open_page(_app(), "holes")
    text = next(m.value for m in at.markdown if "learned prior's draws have a median" in m.value)
    shown = float(re.search(r"median log q\(z\) of \*\*(-?[\d.]+)\*\*", text).group(1))
    lean = _lean(folder.parent)
    mean, log_var = lean.fast.encode(mnist.x_test)
    z = prior.draw("learned", _far_prior(), 2, 40, 0)  # the page's defaults: 40 draws, seed 0
    assert shown == round(float(np.median(holes.log_q(z, mean, log_var))), 1)
    traces = {t.get("name"): t for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    assert {"N(0, I) draws", "learned prior draws"} <= set(traces)
    assert traces["learned prior draws"]["marker"]["symbol"] == "diamond"


def test_compare_shows_learned_samples_and_the_prior_columns(prior_store):
    at = open_page(_app(), "compare")
    at.multiselect[0].set_value(["tiny", "tinyae"])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["models"] == "tiny,tinyae"
    captions = [c for el in at.get("image") for c in (i.caption for i in el.proto.imgs)]
    assert captions.count("learned prior") == 1 and captions.count("N(0, I)") == 2
    assert any("N(0, I) only" in c.value for c in at.caption)
    table = at.dataframe[0].value.set_index("model")
    assert (table.loc["tiny", "learned prior: samples read (≥0.9)"], table.loc["tiny", "learned prior FID"],
            table.loc["tiny", "N(0, I) FID"]) == (0.875, 7.25, 61.5)
    assert np.isnan(float(table.loc["tinyae", "learned prior FID"]))


def test_compare_models_come_from_a_link(prior_store):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.query_params["models"] = "tinyae,tiny"
    open_page(at, "compare")
    assert at.multiselect[0].value == ["tinyae", "tiny"]
