"""The training input pipeline (train.array_batches): nothing autotuned, every image once per epoch, seeded."""

import numpy as np

from vae_core.train import array_batches


def _epoch(dataset) -> np.ndarray:
    return np.concatenate([batch.numpy().ravel() for batch in dataset])


def test_batches_cover_every_image_once_and_reshuffle_each_epoch():
    x = np.arange(300, dtype=np.float32).reshape(300, 1, 1, 1)
    dataset = array_batches(x, 128, shuffle_seed=7)
    assert not dataset.options().autotune.enabled  # freeing an autotuned iterator waits for its tuning thread
    assert int(dataset.cardinality()) == 3  # 128 + 128 + 44: Keras knows the epoch's length
    first, second = _epoch(dataset), _epoch(dataset)
    assert sorted(first) == sorted(second) == list(range(300))
    assert not np.array_equal(first, second)
    assert np.array_equal(first, _epoch(array_batches(x, 128, shuffle_seed=7)))  # the seed fixes the order
    assert not np.array_equal(first, _epoch(array_batches(x, 128, shuffle_seed=8)))


def test_unseeded_batches_keep_the_order():
    x = np.arange(300, dtype=np.float32).reshape(300, 1, 1, 1)
    batches = [batch.numpy() for batch in array_batches(x, 128)]
    assert [len(b) for b in batches] == [128, 128, 44]
    assert batches[0].shape == (128, 1, 1, 1)
    assert np.array_equal(np.concatenate(batches).ravel(), np.arange(300))
