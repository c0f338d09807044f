"""AppTest of the Representations page (label budgets and compression) against the core, with small settings."""

from dataclasses import replace

import pytest

from tests.views.conftest import open_page
from vae_core import compress, represent

SMALL_REPRESENT = represent.RepresentConfig(budgets=(10, 100, None), train_digits=1000, test_digits=500)
SMALL_COMPRESS = compress.CompressConfig(test_digits=200, train_digits=1000)


@pytest.fixture()
def small(monkeypatch):
    from ui import app_data

    monkeypatch.setattr(app_data, "REPRESENT_CONFIG", SMALL_REPRESENT)
    monkeypatch.setattr(app_data, "COMPRESS_CONFIG", SMALL_COMPRESS)


def test_accuracy_table_and_rates_match_the_core(small, app, tiny, mnist):
    open_page(app, "representations")
    expected = represent.report(tiny, mnist, replace(SMALL_REPRESENT, test_digits=500), baselines=False)
    table = app.dataframe[0].value
    latent = table[table["features"] == "latent means (2-d)"]
    assert latent["classifier"].tolist() == ["logistic regression", "k-NN"]
    assert latent["10 / class"].tolist() == [expected["accuracy"]["latent"]["logistic"][0],
                                             expected["accuracy"]["latent"]["knn"][0]]
    rates = app.dataframe[1].value
    row = rates[rates["model"] == "tiny"].iloc[0]
    assert row["KL bits / image"] == pytest.approx(compress.report(tiny, mnist, SMALL_COMPRESS)["kl_bits_per_image"])
    assert set(rates["model"]) >= {"tiny", "tiny3", "tinyae"}


def test_baselines_toggle_adds_pixels_and_pca(small, app):
    open_page(app, "representations")
    for toggle in [t for t in app.toggle if t.key == "represent_baselines"]:  # absent when already on disk
        toggle.set_value(True)
        app.run()
    assert not app.exception
    features = set(app.dataframe[0].value["features"])
    assert features == {"latent means (2-d)", "raw pixels (784-d)", "PCA of pixels (2-d)"}


@pytest.mark.parametrize("text", ["null", '{"logistic": [0.5], "knn": null}', '{"logistic": [NaN, 0.1, 0.2]}'])
def test_a_null_or_damaged_result_cache_is_recomputed(small, app, tiny, text):
    import streamlit as st

    def records():
        return sorted((tiny.folder / "cache").glob("represent-*.json")) + sorted(
            (tiny.folder / "cache").glob("compress-*.json"))

    for path in records():  # other tests' records (other settings) are not this page's: only its own are read
        path.unlink()
    st.cache_data.clear()
    open_page(app, "representations")
    shown = app.dataframe[0].value.copy()
    damaged = records()
    assert damaged
    for path in damaged:
        path.write_text(text)
    st.cache_data.clear()  # the records must come from disk again
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.exception]
    assert app.dataframe[0].value.equals(shown)  # recomputed: the same figures
    assert all(path.read_text().startswith("{") for path in damaged)  # and repaired
