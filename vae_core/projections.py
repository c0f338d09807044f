"""PCA, t-SNE and UMAP of latent means: numpy in, numpy out; imports no Keras (docs/reference.md §4.2)."""

from __future__ import annotations

import numpy as np

from .config import ProjectionConfig

METHODS = ("pca", "tsne", "umap")


def subset_indices(n_total: int, n: int, seed: int = 42) -> np.ndarray:
    """The first n of a seeded permutation of range(n_total): smaller subsets nest inside larger ones."""
    return np.random.default_rng(seed).permutation(n_total)[: min(n, n_total)]


def pca(z: np.ndarray, config: ProjectionConfig = ProjectionConfig()) -> np.ndarray:
    """(N, d) -> (N, 2) principal components (for d = 1 the second column is zero)."""
    from sklearn.decomposition import PCA

    z = np.asarray(z, np.float64)
    k = min(2, z.shape[1])
    out = PCA(n_components=k, random_state=config.seed).fit_transform(z)
    return np.pad(out, ((0, 0), (0, 2 - k))).astype(np.float32)


def tsne(z: np.ndarray, config: ProjectionConfig = ProjectionConfig()) -> np.ndarray:
    """(N, d) -> (N, 2) t-SNE with the reference's settings (perplexity 30, 1,000 iterations)."""
    from sklearn.manifold import TSNE

    perplexity = min(config.perplexity, max(1.0, (len(z) - 1) / 3.0))  # t-SNE needs perplexity < N
    model = TSNE(n_components=2, perplexity=perplexity, max_iter=config.tsne_iterations,
                 random_state=config.seed, init="pca", learning_rate="auto")
    return model.fit_transform(np.asarray(z, np.float64)).astype(np.float32)


def umap(z: np.ndarray, config: ProjectionConfig = ProjectionConfig()) -> np.ndarray:
    """(N, d) -> (N, 2) UMAP with random_state fixed (as in the reference)."""
    import umap as umap_learn  # numba compiles on first use: import only when asked

    neighbours = min(config.umap_neighbors, len(z) - 1)
    model = umap_learn.UMAP(n_components=2, n_neighbors=neighbours, min_dist=config.umap_min_dist,
                            random_state=config.seed)
    return model.fit_transform(np.asarray(z, np.float32)).astype(np.float32)


def project(z: np.ndarray, method: str, config: ProjectionConfig = ProjectionConfig()) -> np.ndarray:
    """Dispatch to one of METHODS."""
    if method not in METHODS:
        raise ValueError(f"unknown projection {method!r}; choose one of {', '.join(METHODS)}")
    return {"pca": pca, "tsne": tsne, "umap": umap}[method](z, config)
