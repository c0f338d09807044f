"""Save a trained VAE with its config, history and metrics; load it back with clear errors.

`load_model(name)` loads the Keras VAE (for training and the CLI); `load_model(name, lean=True)` loads the same
model for inference alone in NumPy (vae_core.lean), without importing TensorFlow: the app's server does that.
`load_file(path)` loads a `.keras` file of this project whatever was imported before (it registers the custom
classes first); plain `keras.saving.load_model` works too once `vae_core.model` is imported.
Keras is imported inside the functions that need it, so importing this module loads no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .config import ModelConfig, TrainConfig, from_dict, to_dict
from .errors import ModelLoadError
from .files import DamagedFileError, read_json, sha256_of
from .history import check_history

if TYPE_CHECKING:
    import keras

    from .lean import LeanVAE
    from .model import VAE


@dataclass
class LoadedModel:
    """A model folder in memory: the VAE and everything saved beside it."""

    name: str
    folder: Path
    vae: VAE | None  # None when loaded lean (inference in NumPy: `lean`)
    config: ModelConfig
    train_config: TrainConfig | None
    history: dict[str, list[float]]  # {} when missing or unusable (history_problem says why)
    metrics: dict[str, Any]  # {} when missing, damaged or measured on another model file (metrics_note says why)
    file_hash: str
    extra: dict[str, Any] = field(default_factory=dict)
    history_problem: str | None = None
    metrics_note: str | None = None
    lean: LeanVAE | None = None

    @property
    def encoder(self) -> keras.Model:
        return self._keras().encoder

    @property
    def decoder(self) -> keras.Model | _DecoderWeights:
        """The Keras decoder; loaded lean, an object whose `get_weights()` gives the same arrays (export's use)."""
        return _DecoderWeights(self.lean) if self.lean is not None else self._keras().decoder

    @cached_property
    def fast(self):
        """encode/decode of arrays: the NumPy model when loaded lean, else graph-compiled Keras (generate.FastModel)."""
        if self.lean is not None:
            return self.lean
        from .generate import FastModel

        return FastModel(self._keras())

    def _keras(self) -> VAE:
        if self.vae is None:
            raise TypeError(f"model {self.name!r} was loaded lean (NumPy inference only); load it without lean=True")
        return self.vae


@dataclass(frozen=True)
class _DecoderWeights:
    lean: LeanVAE

    def get_weights(self) -> list:
        return self.lean.decoder_weights()


def save_model(folder: Path, vae: VAE, config: ModelConfig, train_config: TrainConfig | None,
               history: dict[str, list[float]], extra: dict[str, Any] | None = None) -> None:
    """Write model.keras, config.json and history.json into `folder` (a staged temporary folder)."""
    folder = Path(folder)
    vae.save(folder / store.MODEL_FILE)
    store.write_json_atomic(folder / store.CONFIG_FILE, {
        "model": to_dict(config),
        "training": to_dict(train_config) if train_config else None,
        **(extra or {}),
    })
    store.write_json_atomic(folder / store.HISTORY_FILE, history)


def load_model(name: str = "default", root: Path | None = None, lean: bool = False) -> LoadedModel:
    """Load `models/<name>` in Keras safe mode; with `lean`, its weights for NumPy inference (no TensorFlow).

    Raises:
        UserError: bad name. ModelNotFoundError: missing. ModelLoadError: corrupt or inconsistent files.
    """
    folder = store.require_model(name, root)
    path = folder / store.MODEL_FILE
    store.check_model_file(path)
    try:
        saved = store.read_json(folder / store.CONFIG_FILE)
        config = from_dict(ModelConfig, saved["model"])
        train_config = from_dict(TrainConfig, saved["training"]) if saved.get("training") else None
    except FileNotFoundError:
        raise ModelLoadError(f"{folder / store.CONFIG_FILE} is missing; retrain the model.") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{folder / store.CONFIG_FILE} is invalid ({exc}); retrain the model.") from exc
    if lean:
        from .lean import LeanVAE

        try:
            vae, inference = None, LeanVAE(path)
        except ModelLoadError:
            raise
        except Exception as exc:  # h5py and a malformed config raise many types; all mean "cannot use it"
            raise ModelLoadError(f"Could not load {path}: {exc}. Retrain the model.") from exc
        latent, code = inference.latent_dim, inference.code_dim
    else:
        vae, inference = load_file(path), None
        latent, code = vae.decoder.inputs[0].shape[-1], vae.encoder.outputs[0].shape[-1]
    if latent != config.latent_dim or code != config.latent_dim:
        raise ModelLoadError(
            f"{folder}: config.json says latent_dim={config.latent_dim} but the weights have {latent}; "
            "the files do not belong together. Retrain the model."
        )
    file_hash = sha256_of(path)
    history, history_problem = _history(folder / store.HISTORY_FILE)
    metrics, metrics_note = store.read_metrics(folder, file_hash)
    extra = {k: v for k, v in saved.items() if k not in ("model", "training")}
    return LoadedModel(name, folder, vae, config, train_config, history, metrics or {}, file_hash, extra,
                       history_problem, metrics_note, inference)


def load_file(path: Path | str) -> VAE:
    """Load a saved VAE from a `.keras` file in Keras safe mode (no Lambda code runs, nothing is unpickled).

    Raises:
        ModelLoadError: the file is damaged, needs a class outside the project, or holds something else.
    """
    import keras

    from .model import VAE

    path = Path(path)
    try:
        vae = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a bad file; all mean "cannot use it"
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(f"Could not load {path}: {message}. Retrain the model.") from exc
    if not isinstance(vae, VAE):
        raise ModelLoadError(f"{path} holds a {type(vae).__name__}, not a vae_core VAE; retrain the model.")
    return vae


def _history(path: Path) -> tuple[dict, str | None]:
    """(history, problem): the history file when usable, else ({}, one line saying what is wrong)."""
    try:
        history = read_json(path)
    except FileNotFoundError:
        return {}, None
    except DamagedFileError as exc:
        return {}, str(exc)
    problem = check_history(history)
    return ({}, f"{path.name}: {problem}") if problem else (history, None)
