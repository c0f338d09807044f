"""AppTest per page: each renders without exception and one interaction agrees with the core's own output."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.views.conftest import open_page


def test_sidebar_lists_models_and_summary(app):
    assert app.sidebar.selectbox[0].options == ["tiny", "tiny3", "tinyae"]
    assert any("latent_dim" in m.value for m in app.sidebar.markdown)


def test_explorer_sliders_decode_and_neighbours(app, tiny, mnist):
    app.slider(key="z_x").set_value(1.0)
    app.slider(key="z_y").set_value(-0.5)
    app.run()
    assert not app.exception
    assert app.session_state["latent_plane_state"].pinned == [1.0, -0.5]
    assert any("z** = (1.00, -0.50)" in m.value for m in app.markdown)
    means, _ = tiny.fast.encode(mnist.x_test)
    nearest = np.argsort(((means - [1.0, -0.5]) ** 2).sum(axis=1))[:8]
    captions = [c for image in app.image for c in image.captions]
    assert any(c.startswith(" · ".join(f"#{i}:" for i in nearest[:1])) for c in captions), captions


def _plane_payload(app) -> tuple[dict, bytes, np.ndarray, np.ndarray]:
    """(header, decoder file, points (N, 2), labels) sent to the latent-plane component."""
    import struct

    data = app.get("bidi_component")[0].proto.bytes
    (length,) = struct.unpack("<I", data[:4])
    header = json.loads(data[4:4 + length])
    at = 4 + length + header["weights_bytes"]
    n = header["n"]
    return (header, data[4 + length:at], np.frombuffer(data, "<f4", 2 * n, at).reshape(n, 2),
            np.frombuffer(data, np.uint8, n, at + 8 * n))


def test_explorer_sends_every_digit_and_the_decoder_to_the_component(app, tiny, mnist):
    from devtools.reference_decoder import decode_numpy
    from vae_core.export import from_bytes

    header, weights, points, labels = _plane_payload(app)
    means, _ = tiny.fast.encode(mnist.x_test)
    np.testing.assert_allclose(points, means, atol=1e-6)  # all 10,000 test digits, at their means
    np.testing.assert_array_equal(labels, mnist.y_test)
    assert header["dims"] == [0, 1] and header["pinned"] == [0.0, 0.0] and header["digit"] is None
    meta, tensors = from_bytes(weights)
    assert meta["model_sha256"] == tiny.file_hash
    z = np.array([[0.5, -1.0]], np.float32)
    np.testing.assert_allclose(decode_numpy(tensors, z), tiny.fast.decode(z), atol=1e-5)


def test_explorer_plain_autoencoder(app, mnist):
    app.sidebar.selectbox[0].set_value("tinyae")
    app.run()
    assert not app.exception
    header, weights, points, _ = _plane_payload(app)
    assert len(points) == len(mnist.y_test) and np.isfinite(points).all()
    app.slider(key="z_x").set_value(0.5)
    app.run()
    assert not app.exception and app.session_state["latent_plane_state"].pinned == [0.5, 0.0]


def test_explorer_grid_controls(app):
    app.slider[2].set_value(9)  # grid size (after z_x, z_y)
    app.toggle[0].set_value(True)
    app.run()
    assert not app.exception
    assert any("9×9 grid" in c for image in app.image for c in image.captions)


def test_explorer_higher_latent_dim_picks_dimensions(app):
    app.sidebar.selectbox[0].set_value("tiny3")
    app.run()
    assert not app.exception
    app.selectbox[1].set_value(2)  # vertical = z3
    app.run()
    assert not app.exception
    assert app.session_state["latent_plane_state"].pinned == [0.0, 0.0, 0.0]
    header, *_ = _plane_payload(app)
    assert header["dims"] == [0, 2] and header["base"] == [0.0, 0.0, 0.0] and header["names"] == ["z1", "z3"]
    assert any("z3 bottom → top" in c for image in app.image for c in image.captions)


def test_training_page(app, tiny):
    open_page(app, "training")
    best = int(np.argmin(tiny.history["val_loss"])) + 1
    assert [m.value for m in app.metric if m.label == "Best epoch"] == [str(best)]
    app.toggle[0].set_value(True)
    app.slider[0].set_value(3)
    app.run()
    assert not app.exception
    assert len(app.dataframe[0].value) == len(tiny.history["loss"])
    assert not [c for c in app.caption if "precision" in c.value]  # float32: nothing to say


def test_training_page_says_a_model_was_trained_in_bfloat16(app):
    app.sidebar.selectbox[0].set_value("tiny3")
    app.run()
    open_page(app, "training")
    assert [c.value for c in app.caption if "--precision mixed_bfloat16" in c.value]


def test_samples_page_matches_core(app, tiny):
    from vae_core.generate import sample_prior

    open_page(app, "samples")
    app.number_input[0].set_value(7)
    app.run()
    z, _ = sample_prior(tiny.fast, 20, 7)
    np.testing.assert_allclose(app.dataframe[0].value.to_numpy(), z, rtol=1e-6)
    app.button[0].click()  # resample -> seed 8
    app.run()
    assert app.session_state["sample_seed"] == 8


def test_reconstructions_page_losses_match_core(app, tiny, mnist):
    from vae_core.evaluate import per_image_losses

    open_page(app, "reconstructions")
    app.text_input[0].set_value("3, 5-6")
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert table["index"].tolist() == [3, 5, 6]
    recon, kl = per_image_losses(tiny, mnist.x_test, seed=0)
    np.testing.assert_allclose(table["negative ELBO"], (recon + kl)[[3, 5, 6]], rtol=1e-5)
    app.text_input[0].set_value("99999")
    app.run()
    assert app.error and "indices from 0 to 9999" in app.error[0].value


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_shows_reconstruction_and_percentile(app, mnist):
    open_page(app, "reconstructions")
    digit = (mnist.x_test[0, ..., 0] * 255).astype(np.uint8)
    app.file_uploader[0].upload("seven.png", _png(digit), "image/png")
    app.run()
    assert not app.exception and not app.error
    assert any(m.label == "Negative ELBO" for m in app.metric)
    assert any("of the test digits" in m.value for m in app.markdown)


@pytest.mark.parametrize("content", [b"not an image", b""])
def test_bad_upload_gives_one_message(app, content):
    open_page(app, "reconstructions")
    app.file_uploader[0].upload("bad.png", content, "image/png")
    app.run()
    assert not app.exception
    assert len(app.error) == 1


def test_projections_page_computes_then_caches(app, tiny):
    from vae_core import embed

    open_page(app, "projections")
    assert not app.exception
    for method in ("pca", "tsne", "umap"):
        assert embed.is_cached(tiny, 10000, method, 2000)
    assert any("2000 test digits" in c.value for c in app.caption)
