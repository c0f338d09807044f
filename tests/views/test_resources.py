"""ui.resources: what it changes in Streamlit's own behaviour."""

import sys
import types

from streamlit.runtime.scriptrunner import script_runner

import ui.resources  # replaces Streamlit's after-run cleanup


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


def test_freed_heap_memory_goes_back_to_the_system_after_each_run(monkeypatch):
    calls = []
    monkeypatch.setattr(ui.resources, "release_freed_memory", lambda: calls.append("trim"))
    script_runner._clean_problem_modules()
    assert calls == ["trim"]


def test_release_freed_memory_returns_a_fragmented_heap():
    # 30,000 small arrays live in glibc's heap (below its mmap threshold); one in fifty stays, so the freed chunks
    # are holes that glibc keeps rather than the heap's top that it returns by itself.
    import subprocess

    script = (
        "import numpy as np, psutil, ui.resources as R\n"
        "rss = lambda: psutil.Process().memory_info().rss / 2**20\n"
        "arrays = [np.ones(2000) for _ in range(30_000)]\n"
        "kept = arrays[::50]\n"
        "del arrays\n"
        "before = rss()\n"
        "assert R.release_freed_memory()\n"
        "print(before - rss())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout.split()[-1]) > 250  # of ~450 MiB freed
