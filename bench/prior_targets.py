"""Which learned prior, and does a shipped model both reconstruct typed digits and draw readable ones?

    python -m bench.prior_targets [--models default,...] [--methods gmm,posteriors] [--n 10000] [--uploads 400]

For each model: the learned priors of vae_core.prior fitted to the training digits' posteriors (fit time), and for
N(0, I) and each learned prior, n decoded draws read by the shipped MNIST classifier: the share read with
confidence >= 0.9, the smallest digit's share of those, how many digits they cover, and the MNIST FID (the
classifier's penultimate features against the test set's). Beside it, the share of font-typed digits
(vae_core.fontdigits through the upload path, as bench/uploads_faithful.py) whose reconstruction is read as the
digit typed. Targets (the learned-prior issue): reconstructions >= 70 %, confident samples >= 80 %, every digit
>= 3 % of the confident ones.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from vae_core.quiet import import_keras_quietly

import_keras_quietly()

import numpy as np  # noqa: E402

from bench import machine  # noqa: E402
from bench.uploads_faithful import preprocessed  # noqa: E402
from vae_core import data, embed, prior, store  # noqa: E402
from vae_core.artifacts import load_model  # noqa: E402
from vae_core.classifier import load_classifier, read_digits  # noqa: E402
from vae_core.fid import gaussian_stats, penultimate_features  # noqa: E402
from vae_core.fontdigits import font_digits  # noqa: E402

TARGETS = {"reconstructions": 0.70, "confident": 0.80, "smallest_digit": 0.03}


def features(images: np.ndarray) -> np.ndarray:
    return penultimate_features(load_classifier(), images)


def cell(report: dict | None) -> str:
    if report is None:
        return "– | – | – | –"
    return (f"{100 * report['confident_share']:.1f} % | {100 * min(report['class_shares']):.1f} % | "
            f"{report['digits_covered']} | {report['fid']:.1f}")


def run(models: list[str], methods: list[str], n: int, uploads: int, seed: int) -> str:
    start = time.perf_counter()
    mnist = data.load_mnist()
    reference = gaussian_stats(features(mnist.x_test))
    inputs, labels, refused = preprocessed(font_digits(uploads, seed))
    lines = [f"{n:,} samples per prior, seed {seed}; {len(labels)} typed digits ({refused} refused); {machine()}", "",
             "| model | typed digits' reconstructions read right | prior | fit s | confident ≥ 0.9 | smallest digit "
             "| digits | MNIST FID |", "|---|---|---|---|---|---|---|---|"]
    for name in models:
        loaded = load_model(name)
        z_mean, _ = loaded.fast.encode(inputs)
        read, _ = read_digits(loaded.fast.decode(z_mean))
        right = f"{100 * (read == labels).mean():.1f} %"
        stats = embed.latent_stats(loaded, mnist.x_train, "train")  # (60000, 2, d)
        standard = prior.sample_report(loaded.fast.decode(prior.sample_standard(loaded.config.latent_dim, n, seed)),
                                       read_digits, features, reference)
        lines.append(f"| `{name}` | {right} | N(0, I) | – | {cell(standard)} |")
        for method in methods:
            fit_start = time.perf_counter()
            fitted = prior.fit_prior(stats[:, 0], stats[:, 1], method, seed)
            fit_s = time.perf_counter() - fit_start
            report = prior.sample_report(loaded.fast.decode(prior.sample(fitted, n, seed)), read_digits, features,
                                         reference)
            size = fitted.info.get("components")
            lines.append(f"| `{name}` | {right} | {method} (K={size}) | {fit_s:.0f} | {cell(report)} |")
        print(lines[-1 - len(methods)], *lines[-len(methods):], sep="\n", flush=True)
    lines += ["", f"Targets: reconstructions ≥ {TARGETS['reconstructions']:.0%}, confident ≥ "
                  f"{TARGETS['confident']:.0%}, smallest digit ≥ {TARGETS['smallest_digit']:.0%} of the confident.",
              "", f"({time.perf_counter() - start:.0f} s)"]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=None, help="comma-separated model names (default: every model in models/)")
    p.add_argument("--methods", default=",".join(prior.METHODS), help="learned priors to fit and measure")
    p.add_argument("--n", type=int, default=10_000, help="samples per prior")
    p.add_argument("--uploads", type=int, default=400, help="typed digits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    args = p.parse_args()
    models = args.models.split(",") if args.models else store.list_models()
    text = run(models, args.methods.split(","), args.n, args.uploads, args.seed)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
