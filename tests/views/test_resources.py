"""ui.resources: what it changes in Streamlit's own behaviour."""

import sys
import types

from streamlit.runtime.scriptrunner import script_runner

import ui.resources  # noqa: F401 - replaces Streamlit's after-run cleanup


def test_no_keras_clear_session_after_each_run(monkeypatch):
    calls = []
    fake_keras = types.SimpleNamespace(backend=types.SimpleNamespace(clear_session=lambda: calls.append("keras")))
    fake_plt = types.SimpleNamespace(close=lambda which: calls.append(f"plt {which}"))
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", fake_plt)
    script_runner._clean_problem_modules()  # what ScriptRunner calls after every run, looked up by name
    assert calls == ["plt all"]  # figures still closed; Keras's global state (and a full GC) left alone
    source = open(script_runner.__file__).read()
    assert "_log_if_error(_clean_problem_modules)" in source  # Streamlit still calls it by that name
