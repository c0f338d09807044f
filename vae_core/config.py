"""Frozen configuration objects; the defaults are the reference notebook's recipe (SPEC.md)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

RECONSTRUCTION_LOSSES = ("bce", "mse")
# "vae": the reference VAE; "ae": the same layers as a plain deterministic autoencoder (no sampling, no KL term)
KINDS = ("vae", "ae")
# Keras dtype policies training may compute in; the saved model is float32 either way (train.fit)
PRECISIONS = ("float32", "mixed_bfloat16")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture and loss of one VAE (SPEC.md §1–2)."""

    latent_dim: int = 2
    beta: float = 1.0  # KL weight (Higgins et al. 2017, beta-VAE); 1 = the plain ELBO
    reconstruction: str = "bce"  # "bce" (reference) or "mse"
    seed: int = 42
    kind: str = "vae"  # "vae" or "ae" (beta is ignored by an "ae": its loss is the reconstruction alone)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not (isinstance(self.latent_dim, int) and 1 <= self.latent_dim <= 64):
            raise ValueError(f"latent_dim must be an integer from 1 to 64, got {self.latent_dim!r}")
        if not self.beta >= 0:
            raise ValueError(f"beta must be >= 0, got {self.beta!r}")
        if self.reconstruction not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"reconstruction must be one of {', '.join(RECONSTRUCTION_LOSSES)}, got {self.reconstruction!r}"
            )


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe (SPEC.md §3). `train_limit` / `test_limit` cut the data for quick runs."""

    learning_rate: float = 1e-3  # Adamax
    batch_size: int = 128
    epochs: int = 100
    early_stopping_patience: int = 6
    early_stopping_min_delta: float = 1e-4
    reduce_lr_factor: float = 0.5
    reduce_lr_patience: int = 3
    min_lr: float = 1e-6
    train_limit: int | None = None
    test_limit: int | None = None
    # "mixed_bfloat16": layers compute in bfloat16, weights, optimizer and loss stay float32 (an option; measured
    # in bench/RESULTS.md: faster per epoch on CPUs with AVX-512 BF16, validation loss within ~1% of float32)
    precision: str = "float32"

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.epochs < 1:
            raise ValueError("batch_size and epochs must be at least 1")
        if not self.learning_rate > 0:
            raise ValueError("learning_rate must be > 0")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        for name in ("train_limit", "test_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings of the latent projections (SPEC.md §4.2)."""

    n_points: int = 2000
    perplexity: float = 30.0
    tsne_iterations: int = 1000
    umap_neighbors: int = 15
    umap_min_dist: float = 0.1
    seed: int = 42


def to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a config dataclass."""
    return dataclasses.asdict(config)


def from_dict(cls: type, values: dict[str, Any]):
    """Build `cls` from a dict, ignoring unknown keys (older/newer files) but validating values."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})
