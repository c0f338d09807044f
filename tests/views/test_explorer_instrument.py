"""The explorer as an instrument, in AppTest: the dots coloured by a per-digit quantity, a test digit pinned by
its index, and a region selected on the plane (a message as the browser sends it) shown and generated from; each
checked against the core's own computation."""

import base64
import io
import json
import struct

import numpy as np
import pytest
from PIL import Image

from vae_core import selection
from vae_core.evaluate import kl_per_image
from vae_core.images import to_uint8

COMPONENT = "vae_explorer.latent_plane"


def _plane(app):
    (plane,) = [e for e in app.get("bidi_component") if e.proto.component_name.endswith(COMPONENT)]
    return plane


def _payload(app) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, {points, labels, sigma, values, visible}) of the bytes the component was sent."""
    data = _plane(app).proto.bytes
    (length,) = struct.unpack("<I", data[:4])
    header = json.loads(data[4:4 + length])
    n, at = header["n"], 4 + length + header["weights_bytes"]
    after = at + 9 * n + (-n % 4)
    parts = {"points": np.frombuffer(data, "<f4", 2 * n, at).reshape(n, 2),
             "labels": np.frombuffer(data, np.uint8, n, at + 8 * n),
             "sigma": np.frombuffer(data, "<f4", 2 * n, after).reshape(n, 2), "values": None, "visible": None}
    after += 8 * n
    if header["values"]:
        parts["values"] = np.frombuffer(data, "<f4", n, after)
        after += 4 * n
    if header["visible"]:
        parts["visible"] = np.frombuffer(data, np.uint8, n, after)
        after += n
    assert after == len(data)  # nothing else travels
    return header, parts


def _send(app, monkeypatch, event: str, value) -> None:
    """Run the app with the component's trigger `event` carrying `value`, as the browser's setTriggerValue does."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.testing.v1.element_tree import ElementTree

    trigger = _make_trigger_id(_plane(app).proto.id, "events")
    original = ElementTree.get_widget_states

    def states(tree):
        ws = original(tree)
        state = ws.widgets.add()
        state.id = trigger
        state.json_trigger_value = json.dumps([{"event": event, "value": value}])
        return ws

    with monkeypatch.context() as patch:
        patch.setattr(ElementTree, "get_widget_states", states)
        app.run()
    assert not app.exception, [e.value for e in app.exception]


def _tiles(app, caption_start: str) -> np.ndarray:
    """The digits (N, 28, 28) uint8 of the gallery whose caption starts so (tiles of 28 + 2 px, shown at scale 2)."""
    (image,) = [i for i in app.image if any(c.startswith(caption_start) for c in i.captions)]
    url = image.proto.imgs[0].url
    assert url.startswith("data:image/png;base64,")
    grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("L"))[::2, ::2]
    rows, columns = (grey.shape[0] + 2) // 30, (grey.shape[1] + 2) // 30
    return np.stack([grey[r * 30:r * 30 + 28, c * 30:c * 30 + 28] for r in range(rows) for c in range(columns)])


def test_colouring_by_kl_sends_the_cores_per_digit_kl(app, tiny, mnist):
    header, parts = _payload(app)
    assert header["colour"] == "label" and header["range"] is None and parts["values"] is None
    z_mean, z_log_var = tiny.fast.encode(mnist.x_test)
    np.testing.assert_allclose(parts["sigma"], np.exp(0.5 * z_log_var), rtol=1e-5)  # the ellipses' σ
    assert parts["visible"] is None  # no label filter: all shown
    colour = app.selectbox(key="explorer_colour")
    assert colour.options == ["label", "negative ELBO (nats)", "KL to the prior (nats)",
                              "posterior σ (mean over dimensions)", "classifier's confidence in the reconstruction"]
    colour.set_value("kl")
    app.run()
    assert not app.exception
    header, parts = _payload(app)
    kl = kl_per_image(z_mean, z_log_var)
    np.testing.assert_allclose(parts["values"], kl, rtol=1e-5, atol=1e-5)
    assert header["colour"] == "KL to the prior (nats)"
    assert header["range"] == pytest.approx([kl.min(), kl.max()], rel=1e-5)
    np.testing.assert_allclose(parts["points"], z_mean, atol=1e-6)  # the dots stay where they are


def test_a_plain_autoencoder_offers_no_kl_and_filtering_by_label_dims_the_rest(app, mnist):
    app.sidebar.selectbox[0].set_value("tinyae")
    app.run()
    assert "kl" not in app.selectbox(key="explorer_colour").options
    _, parts = _payload(app)
    assert (parts["sigma"] == 0).all()  # its codes are points: no ellipse
    app.multiselect(key="explorer_labels").set_value([3, 7])
    app.run()
    assert not app.exception
    _, parts = _payload(app)
    np.testing.assert_array_equal(parts["visible"], np.isin(mnist.y_test, [3, 7]))


def test_jumping_to_index_7_pins_its_mean(app, tiny, mnist):
    app.number_input(key="latent_plane_jump").set_value(7)
    app.run()
    assert not app.exception
    means, _ = tiny.fast.encode(mnist.x_test[7:8])
    np.testing.assert_allclose(app.session_state["latent_plane_state"].pinned, means[0], atol=1e-6)
    header, _ = _payload(app)
    assert header["digit"] == 7 and header["pinned"] == pytest.approx(means[0].tolist(), abs=1e-6)
    assert any(c.value.startswith(f"Clicked test digit #7 (label {mnist.y_test[7]})") for c in app.caption)


def test_a_selection_shows_its_digits_and_generates_from_their_posteriors(app, monkeypatch, tiny, mnist):
    z_mean, z_log_var = tiny.fast.encode(mnist.x_test)
    (x0, x1), (y0, y1) = np.quantile(z_mean[:, 0], [0.2, 0.5]), np.quantile(z_mean[:, 1], [0.3, 0.7])
    box = [float(x0), float(y0), float(x1), float(y1)]  # a region of the codes, wherever this model put them
    chosen = np.flatnonzero((z_mean[:, 0] >= box[0]) & (z_mean[:, 0] <= box[2]) & (z_mean[:, 1] >= box[1])
                            & (z_mean[:, 1] <= box[3]))
    assert 10 < len(chosen) < 5000
    _send(app, monkeypatch, "select", {"box": [box[2], box[1], box[0], box[3]]})  # corners in any order
    assert [s.value for s in app.subheader if s.value.startswith("The selection")] == [
        f"The selection: {len(chosen):,} test digits"]
    shown = _tiles(app, "the first 64 of them")
    np.testing.assert_array_equal(shown[:64], to_uint8(mnist.x_test[chosen[:64], ..., 0]))
    generated = _tiles(app, "16 draws, seed 0")
    expected = to_uint8(tiny.fast.decode(selection.sample(z_mean[chosen], z_log_var[chosen], 16, 0)))
    assert np.abs(generated.astype(int) - expected).max() <= 1
    header, _ = _payload(app)
    assert header["box"] == [box[0], box[1], box[2], box[3]]

    app.number_input(key="explorer_selection_seed").set_value(5)  # new draws, the same selection
    app.run()
    again = _tiles(app, "16 draws, seed 5")
    assert not np.array_equal(again, generated)

    _send(app, monkeypatch, "select", {"box": [-3.0, -3.0, "x", 1.0]})  # a forged message changes nothing
    assert any(s.value.startswith("The selection") for s in app.subheader)
    app.button[0].click()  # clear the selection
    app.run()
    assert not [s for s in app.subheader if s.value.startswith("The selection")]
    assert _payload(app)[0]["box"] is None


@pytest.mark.parametrize("message", [None, [], {"box": [0, 0, 1]}, {"box": [0, 0, 1, float("nan")]},
                                     {"box": "0,0,1,1"}, {"box": [True, 0, 1, 1]}, {}])
def test_anything_but_a_box_is_not_a_selection(message):
    from ui.latent_plane import box_values

    assert box_values(message) is False


def test_a_box_is_ordered_and_null_clears():
    from ui.latent_plane import box_values

    assert box_values({"box": [1, 2, -1, -2]}) == [-1.0, -2.0, 1.0, 2.0]
    assert box_values({"box": None}) is None


def test_a_link_sets_the_dimensions_and_the_anchor_and_gets_them_back(models_env, mnist):
    from tests.views.test_links_pages import link_warnings, open_link

    at = open_link("explorer", "model=tiny3&dims=2,0&anchor=5")
    assert at.selectbox(key="explorer_d1").value == 2 and at.selectbox(key="explorer_d2").value == 0
    assert at.number_input(key="explorer_anchor").value == 5
    assert _payload(at)[0]["dims"] == [2, 0] and link_warnings(at) == []
    assert at.query_params["dims"] == "2,0" and at.query_params["anchor"] == "5"
    at.selectbox(key="explorer_d1").set_value(1)
    at.run()
    assert at.query_params["dims"] == "1,0"

    at = open_link("explorer", "model=tiny3&dims=0,7")  # tiny3 has no z8: one line, the defaults
    (line,) = link_warnings(at)
    assert "dims (this model has 3 latent dimensions" in line
    assert _payload(at)[0]["dims"] == [0, 1] and "dims" not in at.query_params
