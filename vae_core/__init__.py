"""vae_core: the library behind the VAE latent-space explorer.

Importing the package is cheap: Keras/TensorFlow load only when a module that needs them
(`model`, `train`, `embed`, `generate`, `evaluate`) is imported, so the CLI can check its arguments first.
The custom Keras objects (`vae_core>VAE`, `vae_core>Sampling`) are registered by `vae_core.model`; when Keras is
already imported, importing `vae_core` registers them too, so `import keras, vae_core` then
`keras.saving.load_model(path)` works in safe mode with no other set-up.
"""

import os
import sys

# Keep TensorFlow's C++ start-up chatter out of the user's terminal; must precede its import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__all__ = ["config", "data", "store", "preprocess", "projections"]

if "keras" in sys.modules:  # Keras is loaded anyway: make saved models loadable right away
    from . import model as _model  # noqa: E402, F401
