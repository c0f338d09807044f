"""Import TensorFlow/Keras without the absl/oneDNN lines it writes straight to file descriptor 2.

TensorFlow 2.21 prints them from C++ even with TF_CPP_MIN_LOG_LEVEL=3, which would bury a CLI's
one-line error message; Python-level warnings and real errors after import are not affected.
"""

from __future__ import annotations

import os
import sys


def import_keras_quietly() -> None:
    """Import tensorflow and keras once, with fd 2 pointed at /dev/null for the duration."""
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow as tf  # noqa: F401

        tf.constant(0.0).numpy()  # the first op initialises oneDNN, which logs too
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
