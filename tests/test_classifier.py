"""The shipped MNIST classifier, the font digit generator, and how well preprocessed font digits read."""

import numpy as np
import pytest

from vae_core import classifier
from vae_core.fontdigits import font_digits, font_files
from vae_core.preprocess import load_digit


def test_shipped_classifier_reads_mnist_test_digits(mnist):
    images, labels = mnist.x_test[-500:, ..., 0], mnist.y_test[-500:]
    read, confidence = classifier.read_digits(images)
    assert read.shape == confidence.shape == (500,)
    assert (read == labels).mean() >= 0.95
    assert ((confidence >= 0) & (confidence <= 1)).all() and confidence.mean() > 0.9
    noise = np.random.default_rng(0).random((20, 28, 28))
    assert classifier.read_digits(noise)[1].mean() < confidence.mean()  # noise is read with less confidence


def test_classifier_is_not_listed_as_a_model():
    from vae_core import store

    assert classifier.SHIPPED.is_file()
    assert classifier.FOLDER not in store.list_models(classifier.SHIPPED.parent.parent)


def test_train_save_load_round_trip(mnist, tmp_path):
    model, info = classifier.train_classifier(mnist.x_train[:256], mnist.y_train[:256], mnist.x_test[:64],
                                              mnist.y_test[:64], epochs=1)
    path = classifier.save_classifier(model, info, root=tmp_path)
    assert path == classifier.classifier_path(tmp_path) and not list(path.parent.glob(".*"))  # no leftovers
    x = mnist.x_test[:32, ..., 0]
    expected = np.asarray(model(x[..., None], training=False))
    read, confidence = classifier.read_digits(x, path)
    np.testing.assert_array_equal(read, expected.argmax(axis=1))
    np.testing.assert_allclose(confidence, expected.max(axis=1), rtol=1e-5)


def test_font_digits_are_deterministic_and_varied():
    a, b = font_digits(30, seed=3), font_digits(30, seed=3)
    assert [d.data for d in a] == [d.data for d in b]
    assert [d.label for d in a] == [i % 10 for i in range(30)]
    assert [d.data for d in font_digits(30, seed=4)] != [d.data for d in a]
    if len(font_files()) > 1:
        assert len({d.font for d in a}) > 5
    assert len({d.style.split()[0] for d in a}) >= 4  # several file formats


def test_preprocessed_font_digits_are_read_right():
    from vae_core.errors import BadImageError

    right = 0
    for d in font_digits(60, seed=1):
        try:
            right += int(classifier.read_digits(load_digit(d.data)[None])[0][0] == d.label)
        except BadImageError:
            pass  # a refused upload counts as read wrong
    assert right >= 0.85 * 60


@pytest.mark.parametrize("bad", [np.zeros((0, 28, 28))])
def test_read_digits_empty(bad):
    read, confidence = classifier.read_digits(bad)
    assert read.shape == confidence.shape == (0,)
