"""A Fréchet distance between two sets of features (Heusel et al. 2017, "GANs trained by a two time-scale update
rule", eq. 6): ||m1 - m2||² + Tr(C1 + C2 - 2 (C1 C2)^½) of the Gaussians fitted to each set.

With the penultimate-layer features of the project's MNIST classifier (vae_core.classifier), not Inception's, it
is an "MNIST FID": comparable between the project's models, not with FIDs published for other data. NumPy only;
`penultimate_features` calls the layers of an already loaded Keras classifier without importing Keras.
"""

from __future__ import annotations

import numpy as np


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean (F,), covariance (F, F)) of features (N, F), in float64."""
    features = np.asarray(features, np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray) -> float:
    """Fréchet distance between N(mean_a, cov_a) and N(mean_b, cov_b); 0 for identical statistics.

    Tr((C1 C2)^½) is computed as Tr((C1^½ C2 C1^½)^½), a symmetric matrix's eigenvalues, so singular covariances
    (ReLU features that are always zero) need no offset."""
    root_a = _psd_sqrt(np.asarray(cov_a, np.float64))
    middle = root_a @ np.asarray(cov_b, np.float64) @ root_a
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    distance = np.sum((np.asarray(mean_a) - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(distance, 0.0))


def penultimate_features(classifier, images: np.ndarray, batch: int = 1024) -> np.ndarray:
    """(N, F) activations of a loaded Keras Sequential classifier's last hidden layer (every layer but the
    softmax, in inference mode) for images (N, 28, 28) in [0, 1]."""
    images = np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
    out = []
    for start in range(0, len(images), batch):
        x = images[start:start + batch]
        if hasattr(classifier, "features"):  # vae_core.lean.LeanClassifier, what load_classifier returns
            x = classifier.features(x)
        else:
            for layer in classifier.layers[:-1]:
                x = layer(x, training=False)
        out.append(np.asarray(x, np.float32))
    return np.concatenate(out)
