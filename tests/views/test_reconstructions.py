"""The reconstructions page: the index box is bounded before work, uploads are decoded once per file."""

import io
import json
import time

import numpy as np
import pytest
from PIL import Image

from tests.views.conftest import open_page
from ui.indices import parse_indices


def test_parse_indices_reads_lists_and_ranges():
    assert parse_indices("3, 5-7,\t9", 10_000) == [3, 5, 6, 7, 9]
    assert parse_indices("0-49", 50) == list(range(50))


@pytest.mark.parametrize("text", ["", ",", "a", "-5", "5-", "3-1", "1.5", "50", "0-50", "0-30,10-49", "1," * 60,
                                  "1" * 500])
def test_parse_indices_refuses(text):
    with pytest.raises(ValueError):
        parse_indices(text, 50)


@pytest.mark.parametrize("text", ["0-999999999999999999", "0-99999999999999999,0-1", "0-9999," * 50])
def test_huge_ranges_are_refused_before_any_list_is_built(text):
    # Building first (as the page once did) takes gigabytes for the first and raises MemoryError for the second
    start = time.perf_counter()
    with pytest.raises(ValueError):
        parse_indices(text, 10_000)
    assert time.perf_counter() - start < 0.05


def test_page_refuses_a_huge_index_list_in_one_message(app):
    open_page(app, "reconstructions")
    app.text_input[0].set_value("0-999999999999999999," * 10)
    start = time.perf_counter()
    app.run()
    assert time.perf_counter() - start < 5  # the whole rerun; the check itself is microseconds
    assert not app.exception
    assert len(app.error) == 1 and "indices from 0 to" in app.error[0].value
    assert not app.dataframe  # nothing was computed


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_is_read_by_content_and_preprocessed_once(app, mnist, monkeypatch):
    import ui.uploads
    from vae_core.preprocess import load_digit

    calls = []
    monkeypatch.setattr(ui.uploads, "load_digit", lambda raw, name: calls.append(name) or load_digit(raw, name))
    ui.uploads._preprocessed.clear()
    open_page(app, "reconstructions")
    digit = Image.fromarray((mnist.x_test[0, ..., 0] * 255).astype(np.uint8)).resize((140, 140))
    app.file_uploader[0].upload("seven.dat", _png(digit), "application/octet-stream")  # a PNG by content
    app.run()
    assert not app.exception and not app.error
    assert any(m.label == "Negative ELBO" for m in app.metric)
    app.run()  # a rerun (any widget) does not decode the file again
    app.text_input[0].set_value("1-3")
    app.run()
    assert calls == ["seven.dat"]


def test_lab_image_gets_one_message_not_a_traceback(app):
    open_page(app, "reconstructions")
    lab = Image.new("LAB", (64, 64))
    buffer = io.BytesIO()
    lab.save(buffer, format="TIFF")
    app.file_uploader[0].upload("lab.tif", buffer.getvalue(), "image/tiff")
    app.run()
    assert not app.exception
    assert len(app.error) == 1 and "empty" in app.error[0].value  # a flat LAB image: no digit in it


def _shown_numbers(text: str) -> list[float]:
    import re

    return [float(v) for v in re.findall(r"-?\d+\.\d+", text)]


def test_uploaded_digit_shows_the_cores_score_percentile_and_mean(app, tiny, mnist):
    from scipy.stats import percentileofscore

    from vae_core.evaluate import describe_digits, per_image_losses
    from vae_core.preprocess import load_digit

    data = _png(Image.fromarray((mnist.x_test[4, ..., 0] * 255).astype(np.uint8)).resize((112, 112)))
    open_page(app, "reconstructions")
    app.file_uploader[0].upload("four.png", data, "image/png")
    app.run()
    assert not app.exception and not app.error
    mine = load_digit(data, name="four.png")
    mean, _, score = describe_digits(tiny, mine[None])
    reconstruction, kl = per_image_losses(tiny, mnist.x_test, seed=0)  # the page's test digits, the same draw
    percentile = percentileofscore(reconstruction + kl, score[0], kind="strict")  # share of test digits below
    assert abs(percentile - 50) > 5, percentile  # far enough from the middle that an upside-down one shows
    (metric,) = [m for m in app.metric if m.label == "Negative ELBO"]
    assert metric.value == f"{score[0]:.1f} nats"
    (place,) = [m.value for m in app.markdown if "of the test digits" in m.value]
    assert _shown_numbers(place) == [pytest.approx(percentile, abs=0.051)]
    (mu,) = [m.value for m in app.markdown if m.value.startswith("Latent mean")]
    assert _shown_numbers(mu) == [pytest.approx(float(v), abs=0.0051) for v in mean[0]]


def test_a_digit_through_every_model_gets_each_models_score_and_percentile(app, tiny, store_root, mnist):
    from scipy.stats import percentileofscore

    from tests.views.test_family_pages import _array
    from vae_core.artifacts import load_model
    from vae_core.evaluate import describe_digits, per_image_losses
    from vae_core.preprocess import load_digit

    data = _png(Image.fromarray((mnist.x_test[4, ..., 0] * 255).astype(np.uint8)).resize((112, 112)))
    open_page(app, "compare")
    app.multiselect[0].set_value(["tiny", "tinyae"])
    app.run()
    app.file_uploader(key="compare_upload").upload("four.png", data, "image/png")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    mine = load_digit(data, name="four.png")
    models = {"tiny": tiny, "tinyae": load_model("tinyae", store_root)}
    (bars,) = [c for c in app.get("plotly_chart") if json.loads(c.proto.spec)["data"][0]["type"] == "bar"]
    spec = json.loads(bars.proto.spec)["data"][0]
    assert list(spec["x"]) == ["tiny", "tinyae"]
    shown = app.session_state["compare_upload_scores"]
    for name, percentile in zip(spec["x"], _array(spec["y"]), strict=True):
        loaded = models[name]
        _, _, score = describe_digits(loaded, mine[None])
        reconstruction, kl = per_image_losses(loaded, mnist.x_test, seed=0)
        tests = reconstruction if name == "tinyae" else reconstruction + kl  # an AE has no ELBO: its reconstruction
        expected = percentileofscore(tests, score[0], kind="strict")
        assert abs(expected - 50) > 5, (name, expected)
        assert percentile == pytest.approx(expected, abs=1e-6), name
        assert shown[name] == pytest.approx(float(score[0]), rel=1e-6), name


def _linked(query: dict[str, str]):
    """A fresh session opening the Reconstructions page with a query string, as a shared link would."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT

    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.query_params = dict(query)
    at.switch_page("views/reconstructions.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_opens_its_indices_and_the_box_writes_them_back(models_env, mnist):
    at = _linked({"idx": "3,17,5-6"})
    assert at.text_input[0].value == "3,17,5-6"
    assert at.dataframe[0].value["index"].tolist() == [3, 17, 5, 6]
    assert at.dataframe[0].value["label"].tolist() == mnist.y_test[[3, 17, 5, 6]].tolist()
    assert at.query_params["idx"] == "3,17,5-6" and not at.warning
    at.text_input[0].set_value("40-42")
    at.run()
    assert at.dataframe[0].value["index"].tolist() == [40, 41, 42]
    assert at.query_params["idx"] == "40-42"  # the URL now opens what the visitor typed


def test_a_link_to_an_index_the_test_set_lacks_gets_one_line_and_the_default(models_env, mnist):
    at = _linked({"idx": "3,10000"})  # a well-formed list: ui/links passes it; the page knows 10,000 digits
    (line,) = [w.value for w in at.warning]
    assert "idx (out of range; the test digits are 0 to 9999)" in line and "10000" not in line.split("idx")[1]
    assert not at.error
    assert at.text_input[0].value == "0-9"
    assert at.dataframe[0].value["index"].tolist() == list(range(10))
    assert at.query_params["idx"] == "0-9"
