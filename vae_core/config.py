"""Frozen configuration objects; the defaults are the reference notebook's recipe (docs/reference.md)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

RECONSTRUCTION_LOSSES = ("bce", "mse")
# "vae": the reference VAE; "ae": the same layers as a plain deterministic autoencoder (no sampling, no KL term)
KINDS = ("vae", "ae")
# Keras dtype policies training may compute in; the saved model is float32 either way (train.fit)
PRECISIONS = ("float32", "mixed_bfloat16")
# tf.distribute strategies training may run under (vae_core.distribute)
DISTRIBUTE_MODES = ("none", "mirrored", "multiworker")


def option(default: Any, help: str, choices: tuple[str, ...] | None = None,
           bounds: tuple[float, float] | None = None) -> Any:
    """A config field with what `train`'s command-line option for it needs: help text, and the choices or the
    (lowest, highest) range the command line accepts before any work starts (the dataclass checks still apply)."""
    return field(default=default, metadata={"help": help, "choices": choices, "bounds": bounds})


@dataclass(frozen=True)
class ModelConfig:
    """Architecture and loss of one VAE (docs/reference.md §1–2)."""

    latent_dim: int = option(2, "size of the latent code z", bounds=(1, 64))
    # Higgins et al. 2017, beta-VAE
    beta: float = option(1.0, "KL weight (beta-VAE); 1 = the plain ELBO; ignored by --kind ae", bounds=(0, 1e4))
    reconstruction: str = option("bce", "reconstruction loss: bce (the reference: pixels as Bernoulli "
                                 "probabilities) or mse", RECONSTRUCTION_LOSSES)
    seed: int = option(42, "seed of the weights' initialisation, the data order and the sampling layer",
                       bounds=(0, 2**32 - 1))
    kind: str = option("vae", "vae, or ae: the same layers as a plain autoencoder, no sampling and no KL term", KINDS)

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
    """The training recipe (docs/reference.md §3). `train_limit` / `test_limit` cut the data for quick runs."""

    learning_rate: float = option(1e-3, "Adamax learning rate", bounds=(0, 1))
    batch_size: int = option(128, "digits per training step", bounds=(1, 60_000))
    epochs: int = option(100, "most epochs to run (early stopping usually ends the run sooner)",
                         bounds=(1, 10_000))
    early_stopping_patience: int = option(6, "stop after this many epochs without a better validation loss",
                                          bounds=(0, 10_000))
    early_stopping_min_delta: float = option(1e-4, "smallest drop of the validation loss that counts as better",
                                             bounds=(0, 1e4))
    reduce_lr_factor: float = option(0.5, "multiply the learning rate by this when the validation loss stalls",
                                    bounds=(0.01, 0.99))
    reduce_lr_patience: int = option(3, "epochs without a better validation loss before the learning rate drops",
                                     bounds=(0, 10_000))
    min_lr: float = option(1e-6, "the learning rate never drops below this", bounds=(0, 1))
    train_limit: int | None = option(None, "use only the first N training digits (default: all 60,000)",
                                     bounds=(1, 60_000))
    test_limit: int | None = option(None, "validate on the first N MNIST test digits (default: all 10,000)",
                                    bounds=(1, 10_000))
    # measured in bench/RESULTS.md: faster per epoch on CPUs with AVX-512 BF16, validation loss within ~1% of float32
    precision: str = option("float32", "mixed_bfloat16: layers compute in bfloat16, weights, optimizer and loss "
                            "stay float32; faster on CPUs with AVX-512 BF16 (see bench/RESULTS.md); the saved model "
                            "is float32 either way", PRECISIONS)
    # "mirrored": tf.distribute.MirroredStrategy over this machine's GPUs (or its logical CPUs when it has none);
    # "multiworker": MultiWorkerMirroredStrategy over the machines TF_CONFIG names, one process per worker
    distribute: str = option("none", "mirrored: tf.distribute.MirroredStrategy over this machine's GPUs (or logical "
                             "CPUs); multiworker: MultiWorkerMirroredStrategy over the cluster in TF_CONFIG, one "
                             "process per worker, the chief (worker 0) saves the model", DISTRIBUTE_MODES)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.epochs < 1:
            raise ValueError("batch_size and epochs must be at least 1")
        if not self.learning_rate > 0:
            raise ValueError("learning_rate must be > 0")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.distribute not in DISTRIBUTE_MODES:
            raise ValueError(f"distribute must be one of {', '.join(DISTRIBUTE_MODES)}, got {self.distribute!r}")
        for name in ("train_limit", "test_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings of the latent projections (docs/reference.md §4.2)."""

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
