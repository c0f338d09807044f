"""Import TensorFlow/Keras without the absl/oneDNN lines it writes straight to file descriptor 2.

TensorFlow 2.21 prints them from C++ even with TF_CPP_MIN_LOG_LEVEL=3, which would bury a CLI's
one-line error message; Python-level warnings and real errors after import are not affected.
File descriptor 2 belongs to the whole process, so the redirection is done once, under a lock: a second
thread (another browser session) waits for the first import instead of saving /dev/null as "stderr".
"""

from __future__ import annotations

import os
import sys
import threading

_lock = threading.Lock()
_done = False


def import_keras_quietly() -> None:
    """Import tensorflow and keras once, with fd 2 pointed at /dev/null for the duration (thread-safe)."""
    global _done
    with _lock:
        if _done:
            return
        if "tensorflow" in sys.modules and "keras" in sys.modules:  # imported elsewhere (loudly) already
            _done = True
            return
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            import keras  # noqa: F401
            import tensorflow as tf  # noqa: F401

            tf.constant(0.0).numpy()  # the first op initialises oneDNN, which logs too
            _done = True
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
