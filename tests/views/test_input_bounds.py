"""Inputs a visitor controls stay in their bounds even when a client sends values the widgets would never send
(a forged websocket message): Streamlit resets an out-of-range slider, number or option to its default before the
page runs, so the page never works on it. Each test sends a value just past the bound, so it fails if the bound is
removed or widened."""

import time

from tests.views.conftest import open_page


def _widget(widgets, label):
    (found,) = [w for w in widgets if w.label == label]
    return found


def test_samples_count_and_seed_stay_in_bounds(app):
    at = open_page(app, "samples")
    _widget(at.slider, "How many").set_value(101)  # one past the page's 1 to 100
    at.number_input(key="sample_seed").set_value(2**31)  # one past 0 to 2**31 - 1
    start = time.perf_counter()
    at.run()
    assert not at.exception
    assert time.perf_counter() - start < 30
    assert at.session_state["sample_seed"] == 0
    assert len(at.dataframe[0].value) == 20  # the default count: the forged one was never decoded
    assert "20 samples, seed 0" in [c for image in at.image for c in image.captions]


def test_projection_size_is_one_of_the_offered_sizes(app):
    at = open_page(app, "projections")
    _widget(at.select_slider, "Test digits").set_value(600)  # not one of 500, 1000, 2000, 5000, 10000
    at.run()
    assert not at.exception
    assert any(c.value.startswith("2000 test digits") for c in at.caption), [c.value for c in at.caption]
