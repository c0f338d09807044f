"""How the Streamlit server process keeps its memory and its pauses small; `app.py` calls `install()` once.

Nothing here runs on import. `install()` adds two steps after every run of every page, beside Streamlit's own
cleanup (script_runner._clean_problem_modules, the one after-run hook Streamlit has; it has no public one):

- glibc's freed heap goes back to the system (malloc_trim). glibc keeps what NumPy frees in its heaps, one per
  thread that allocated, and Streamlit runs each session on its own thread; a trim costs a few milliseconds.
- when the run imported new modules, the objects alive now move out of the garbage collector's full walks
  (gc.freeze): modules, classes and the models' layers live for the whole process, and a full collection that walks
  them all holds the GIL while a browser waits for a decoded digit. Later full walks see only newer objects.

The figures behind both are in bench/RESULTS.md. tests/views/test_resources.py fails if Streamlit moves the hook.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading

from streamlit.runtime.scriptrunner import script_runner

# A one-line call into libc through ctypes: no library wraps it. Looked up among the symbols the process already
# has (no `find_library`, which runs ldconfig); absent outside glibc (musl, macOS).
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform.startswith("linux") else None
_lock = threading.Lock()
_state = {"installed": False, "frozen_modules": 0}


def release_freed_memory() -> bool:
    """Return the C heap's free memory to the system (glibc's malloc_trim); False where there is none to call."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


def freeze_if_new_modules() -> bool:
    """gc.freeze() what is alive when modules were imported since the last call; True when it froze."""
    with _lock:
        if len(sys.modules) == _state["frozen_modules"]:
            return False
        gc.unfreeze()  # what was frozen before and has died since is collected now
        gc.collect()
        gc.freeze()
        _state["frozen_modules"] = len(sys.modules)
        return True


def install() -> None:
    """Add the after-run steps to Streamlit's cleanup (once per process; later calls do nothing)."""
    with _lock:
        if _state["installed"]:
            return
        streamlit_cleanup = script_runner._clean_problem_modules

        def after_run() -> None:
            streamlit_cleanup()
            freeze_if_new_modules()
            release_freed_memory()

        script_runner._clean_problem_modules = after_run
        _state["installed"] = True
