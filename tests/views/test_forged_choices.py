"""A client can send any string as a selectbox's or radio's value (a hand-made websocket message). Streamlit 1.67
resets a value that is not one of the options to the widget's default before the page runs
(`options_selector_utils.resolve_value_against_options`), so the pages do not check again; these tests send one to
each page's choices and pin that down: without the reset a string would reach the page as a dimension, a dict key or
a model name and raise."""

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.views.conftest import open_page

FORGED = "no such option"


@pytest.fixture()
def forge(monkeypatch):
    """forge(widget): from now on AppTest sends FORGED as that widget's value, as a forged message would."""
    forged_ids = set()
    patched = set()

    def apply(widget) -> None:
        forged_ids.add(widget.id)
        cls = type(widget)
        if cls in patched:
            return
        original = cls._widget_state

        def state(self):
            if self.id not in forged_ids:
                return original.fget(self)
            ws = WidgetState()
            ws.id = self.id
            ws.string_value = FORGED
            return ws

        monkeypatch.setattr(cls, "_widget_state", property(state))
        patched.add(cls)

    return apply


def _labelled(widgets, label):
    (found,) = [w for w in widgets if w.label == label]
    return found


def _run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_explorer_dimensions(app, forge):
    at = open_page(app, "explorer")
    at.selectbox(key="model_name").set_value("tiny3")
    _run(at)
    forge(_labelled(at.selectbox, "Vertical dimension"))
    forge(_labelled(at.selectbox, "Horizontal dimension"))
    _run(at)
    assert not at.warning  # the defaults z1 and z2, not "pick two different dimensions"


def test_anomaly_score(app, forge):
    at = open_page(app, "anomalies")
    forge(_labelled(at.radio, "Score"))
    _run(at)


def test_compare_choices(app, forge):
    at = open_page(app, "compare")
    at.multiselect[0].set_value(["tiny", "tiny3"])
    _run(at)
    for label in ("Projection for latent_dim > 2", "Curve"):
        forge(_labelled(at.radio, label))
    forge(_labelled([w for w in at.selectbox if w.key != "model_name"], "Model"))
    _run(at)


def test_interpolation_choices(app, forge):
    at = open_page(app, "interpolation")
    forge(_labelled(at.selectbox, "Beside it"))
    forge(at.radio(key="interp_click_target"))
    for radio in [r for r in at.radio if r.label == "From"]:
        forge(radio)
    _run(at)
    assert len([i for i in at.image if "path through" in " ".join(i.captions)]) >= 2  # both paths drawn


@pytest.mark.parametrize("event", [
    "not a dict", {"selection": "x"}, {"selection": {"points": "x"}}, {"selection": {"points": [5]}},
    {"selection": {"points": [{"x": "1", "y": 2}]}}, {"selection": {"points": [{"x": float("nan"), "y": 0}]}},
    {"selection": {"points": [{"x": True, "y": 0}]}}, {"selection": {"points": [{"y": 0}]}}])
def test_a_forged_plot_selection_on_interpolation_is_ignored(monkeypatch, event):
    import streamlit as st

    from ui import interpolation_state as S

    state = {S.PLANE_KEY: event, S.CLICK_TARGET: "a"}
    monkeypatch.setattr(st, "session_state", state)
    S._apply_click()  # no exception, and no endpoint moved
    assert state == {S.PLANE_KEY: event, S.CLICK_TARGET: "a"}


def test_a_real_plot_click_on_interpolation_moves_the_endpoint(monkeypatch):
    import streamlit as st

    from ui import interpolation_state as S

    state = {S.PLANE_KEY: {"selection": {"points": [{"x": 1.25, "y": -20.0}]}}, S.CLICK_TARGET: "b"}
    monkeypatch.setattr(st, "session_state", state)
    S._apply_click()
    assert state[S.endpoint_key("b", "source")] == S.SOURCES[1]
    assert (state[S.endpoint_key("b", "x")], state[S.endpoint_key("b", "y")]) == (1.25, -10.0)  # held to ±10
