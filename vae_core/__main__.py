"""Command line: `python -m vae_core <command>`; see `--help`.

Arguments are validated before TensorFlow is imported, and user errors print one line on stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .config import KINDS, PRECISIONS, RECONSTRUCTION_LOSSES, ModelConfig, TrainConfig
from .errors import UserError
from .store import refuse_if_training, validate_name


def _z(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vae_core", description="Train and use the MNIST VAE.")
    sub = p.add_subparsers(dest="command", required=True)
    m, t = ModelConfig(), TrainConfig()

    tr = sub.add_parser("train", help="train a model with the reference recipe and save it to models/NAME")
    tr.add_argument("--name", default="default", help="model folder name (default: default)")
    tr.add_argument("--kind", choices=KINDS, default=m.kind,
                    help="vae (default) or ae: the same layers as a plain autoencoder, no sampling and no KL term")
    tr.add_argument("--latent-dim", type=int, default=m.latent_dim)
    tr.add_argument("--beta", type=float, default=m.beta, help="KL weight (beta-VAE)")
    tr.add_argument("--reconstruction", choices=RECONSTRUCTION_LOSSES, default=m.reconstruction)
    tr.add_argument("--seed", type=int, default=m.seed)
    tr.add_argument("--learning-rate", type=float, default=t.learning_rate)
    tr.add_argument("--batch-size", type=_positive, default=t.batch_size)
    tr.add_argument("--epochs", type=_positive, default=t.epochs)
    tr.add_argument("--early-stopping-patience", type=int, default=t.early_stopping_patience)
    tr.add_argument("--early-stopping-min-delta", type=float, default=t.early_stopping_min_delta)
    tr.add_argument("--reduce-lr-factor", type=float, default=t.reduce_lr_factor)
    tr.add_argument("--reduce-lr-patience", type=int, default=t.reduce_lr_patience)
    tr.add_argument("--min-lr", type=float, default=t.min_lr)
    tr.add_argument("--train-limit", type=_positive, default=None, help="use only the first N training digits")
    tr.add_argument("--test-limit", type=_positive, default=None, help="use only the first N test digits")
    tr.add_argument("--precision", choices=PRECISIONS, default=t.precision,
                    help="mixed_bfloat16: layers compute in bfloat16, weights and loss stay float32; faster on CPUs "
                         "with AVX-512 BF16 (see bench/RESULTS.md); the saved model is float32 either way")
    tr.add_argument("--no-evaluate", action="store_true", help="skip writing metrics.json after training")

    ev = sub.add_parser("evaluate", help="test-set losses, IWAE bound and kNN accuracy; writes metrics.json")
    ev.add_argument("--model", default="default")
    ev.add_argument("--k", type=_positive, default=50, help="importance samples for the IWAE bound")
    ev.add_argument("--seed", type=int, default=0)

    rc = sub.add_parser("reconstruct", help="preprocess image files like the app and reconstruct them")
    rc.add_argument("images", nargs="+", type=Path)
    rc.add_argument("--out", type=Path, required=True, help="output folder")
    rc.add_argument("--model", default="default")

    de = sub.add_parser("decode", help="decode one latent point to a PNG")
    de.add_argument("--z", type=_z, required=True, help="comma-separated coordinates, e.g. 0.5,-1")
    de.add_argument("--out", type=Path, required=True)
    de.add_argument("--model", default="default")

    sa = sub.add_parser("sample", help="decode N draws from the prior N(0, I) into one PNG")
    sa.add_argument("--n", type=_positive, default=20)
    sa.add_argument("--seed", type=int, default=0)
    sa.add_argument("--out", type=Path, required=True)
    sa.add_argument("--model", default="default")

    gr = sub.add_parser("grid", help="decode an N x N latent grid (one batched call) into one PNG")
    gr.add_argument("--n", type=_positive, default=15)
    gr.add_argument("--range", dest="span", type=float, default=3.0, help="grid covers [-R, R] per axis")
    gr.add_argument("--gaussian", action="store_true", help="space points by normal quantiles instead")
    gr.add_argument("--out", type=Path, required=True)
    gr.add_argument("--model", default="default")

    sub.add_parser("data", help="find, fetch and verify MNIST; print where it came from")
    return p


def _check(args: argparse.Namespace) -> None:
    """Validation that needs no TensorFlow."""
    if args.command == "train":
        refuse_if_training(validate_name(args.name))
        try:
            ModelConfig(args.latent_dim, args.beta, args.reconstruction, args.seed, args.kind)
            TrainConfig(args.learning_rate, args.batch_size, args.epochs)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if hasattr(args, "model"):
        from .store import require_model

        require_model(args.model)
    if args.command == "reconstruct":
        for path in args.images:
            if not path.is_file():
                raise UserError(f"{path}: no such file")
    if args.command in ("decode", "sample", "grid") and args.out.suffix.lower() != ".png":
        raise UserError(f"--out must name a .png file, got {args.out}")
    if args.command == "grid" and not 0 < args.span <= 100:
        raise UserError("--range must be in (0, 100]")


def _run(args: argparse.Namespace) -> None:
    from . import commands

    getattr(commands, "fetch_data" if args.command == "data" else args.command)(args)


_STOP = threading.Event()  # set by SIGUSR1: `train` ends after the current batch and saves the best weights so far


def _request_stop(signum, frame):
    _STOP.set()


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: temporary folder and lock removed, nothing written


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGUSR1, _request_stop)
    args = _parser().parse_args(argv)
    args.stop_requested = _STOP.is_set
    try:
        _check(args)
        _run(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was written, the previous model (if any) is unchanged", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
