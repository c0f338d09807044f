"""One whole training run of the reference recipe at a training precision, compared epoch by epoch with a
float32 run of the same recipe and seed.

    python -m bench.full_run --precision mixed_bfloat16 [--out bench/full-run-mixed_bfloat16.json]
        [--baseline models/default/history.json | bench/full-run-float32.json]

Runs `vae_core.train.fit` (Adamax 1e-3, batch 128, the recipe's ReduceLROnPlateau and EarlyStopping, at most 100
epochs, seed 42: what `python -m vae_core train --precision P` runs), writes its
history and summary as JSON, then prints, against the baseline history (by default the shipped model's, trained
by `python -m vae_core train` in float32 with the same seed but an older input pipeline; another run's JSON from
this command works too): the validation loss after the same epochs and the
relative difference, each run's best, and the first epoch at which this run reached the baseline's best. Epochs,
not seconds, are compared here (the baseline ran on another day, partly under other load); seconds per epoch
come from `python -m bench.train_throughput`, which times the variants side by side.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from vae_core.config import PRECISIONS

ROOT = Path(__file__).resolve().parent.parent


def compare(run: dict, baseline: dict) -> list[str]:
    """Lines comparing two histories epoch by epoch (val_loss), with each run's best."""
    ours, base = np.asarray(run["val_loss"]), np.asarray(baseline["val_loss"])
    lines = ["| epoch | baseline val_loss | this run | difference |", "|---|---|---|---|"]
    for epoch in sorted({1, 2, 3, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, len(ours), len(base)}):
        if epoch <= min(len(ours), len(base)):
            a, b = base[epoch - 1], ours[epoch - 1]
            lines.append(f"| {epoch} | {a:.2f} | {b:.2f} | {(b - a) / a:+.2%} |")
    best_base, best_ours = float(base.min()), float(ours.min())
    reached = np.flatnonzero(ours <= best_base)
    gap = (best_ours - best_base) / best_base
    lines += ["",
              f"baseline best {best_base:.2f} at epoch {int(base.argmin()) + 1} of {len(base)}; this run's best "
              f"{best_ours:.2f} at epoch {int(ours.argmin()) + 1} of {len(ours)} ({gap:+.2%})",
              "this run first reached the baseline's best at epoch "
              + (f"{int(reached[0]) + 1}" if len(reached) else "— (never)")]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--precision", default="mixed_bfloat16", choices=PRECISIONS)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--baseline", type=Path, default=ROOT / "models" / "default" / "history.json")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or ROOT / "bench" / f"full-run-{args.precision}.json"

    from vae_core.quiet import import_keras_quietly

    import_keras_quietly()
    from vae_core import store
    from vae_core.config import ModelConfig, TrainConfig
    from vae_core.data import load_mnist
    from vae_core.train import fit

    mnist = load_mnist()
    recipe = TrainConfig(epochs=args.epochs, precision=args.precision)
    _, history, summary = fit(ModelConfig(seed=args.seed), recipe, mnist.x_train, mnist.x_test, show_progress=False,
                              on_epoch=lambda r: print(f"epoch {r['epoch']}: val_loss {r['val_loss']:.2f}, "
                                                       f"{r['seconds']:.0f} s", flush=True))
    record = {"precision": args.precision, "seed": args.seed, "summary": summary, "history": history}
    store.write_json_atomic(out, record)
    print(f"written: {out}")
    baseline = json.loads(args.baseline.read_text())
    print("\n".join(compare(history, baseline.get("history", baseline))))


if __name__ == "__main__":
    main()
