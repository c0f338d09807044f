"""vae_core: the library behind the VAE latent-space explorer.

Importing the package is cheap: Keras/TensorFlow load only when a module that needs them
(`model`, `train`, `embed`, `generate`, `evaluate`) is imported. Importing `vae_core.model`
registers the custom Keras objects, so a saved `.keras` file loads in safe mode.
"""

import os

# Keep TensorFlow's C++ start-up chatter out of the user's terminal; must precede its import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__all__ = ["config", "data", "store", "preprocess", "projections"]
