"""Do uploads come back as the same digit? Font-rendered digits through the app's preprocessing and every VAE.

    python -m bench.uploads_faithful [--n 400] [--seed 0] [--models default,...] [--out FILE.md]

Digits typed in this machine's fonts (vae_core.fontdigits: varied sizes, weights, slants, canvases, colours and
formats) go through the upload path (`preprocess.load_digit`, bytes in); the MNIST classifier
(vae_core.classifier) reads the preprocessed 28x28 input and its reconstruction (decoded latent mean) through each
shipped model. Reported: the share read as the digit that was typed, overall, by format and by font family.
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

from vae_core.quiet import import_keras_quietly

import_keras_quietly()

import numpy as np  # noqa: E402

from bench import machine  # noqa: E402
from vae_core import store  # noqa: E402
from vae_core.classifier import read_digits  # noqa: E402
from vae_core.errors import BadImageError  # noqa: E402
from vae_core.fontdigits import font_digits, font_files  # noqa: E402
from vae_core.preprocess import load_digit  # noqa: E402


def preprocessed(digits) -> tuple[np.ndarray, np.ndarray, int]:
    """(inputs (M, 28, 28), labels (M,), refused count): every digit through the upload path."""
    inputs, labels, refused = [], [], 0
    for d in digits:
        try:
            inputs.append(load_digit(d.data, name=f"{d.label} {d.font}"))
            labels.append(d.label)
        except BadImageError:
            refused += 1
    return np.stack(inputs), np.array(labels), refused


def reconstructions(name: str, inputs: np.ndarray) -> np.ndarray:
    from vae_core.artifacts import load_model

    loaded = load_model(name)
    z_mean, _ = loaded.fast.encode(inputs)
    return loaded.fast.decode(z_mean)


def share(mask: np.ndarray) -> str:
    return f"{100 * mask.mean():.1f} %"


def report(n: int, seed: int, models: list[str]) -> str:
    start = time.perf_counter()
    digits = font_digits(n, seed)
    inputs, labels, refused = preprocessed(digits)
    read, confidence = read_digits(inputs)
    right = read == labels
    kinds = np.array([d.style.split()[0] for d in digits])[: len(labels)] if not refused else None
    lines = [f"{n} font digits (seed {seed}, {len(font_files())} fonts), {refused} refused by preprocessing; "
             f"{machine()}", "",
             "| what the classifier reads | right digit | mean confidence |", "|---|---|---|",
             f"| preprocessed input | {share(right)} | {confidence.mean():.2f} |"]
    recon_right = {}
    for name in models:
        back = reconstructions(name, inputs)
        got, conf = read_digits(back)
        recon_right[name] = got == labels
        lines.append(f"| reconstruction through `{name}` | {share(recon_right[name])} | {conf.mean():.2f} |")
    if kinds is not None:
        lines += ["", "By format (preprocessed input" + "".join(f" / `{m}`" for m in models) + "):", ""]
        for kind in sorted(set(kinds)):
            sel = kinds == kind
            cells = " / ".join(share(r[sel]) for r in [right, *recon_right.values()])
            lines.append(f"- {kind} ({sel.sum()}): {cells}")
    fonts = np.array([d.font.split("-")[0].removesuffix(".ttf") for d in digits])[: len(labels)]
    lines += ["", "Preprocessed input read right by font family: " + ", ".join(
        f"{f} {share(right[fonts == f])}" for f in sorted(set(fonts)))]
    per_digit = collections.Counter(int(v) for v in labels[~right])
    lines += ["", "Inputs read wrong, by digit typed: " + ", ".join(f"{k}: {v}" for k, v in sorted(per_digit.items())),
              "", f"({time.perf_counter() - start:.0f} s)"]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", default=None, help="comma-separated model names (default: every VAE in models/)")
    p.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    args = p.parse_args()
    models = args.models.split(",") if args.models else store.list_models()
    text = report(args.n, args.seed, models)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
