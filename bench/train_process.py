"""Whole-process training time: `python -m vae_core train` against the reference, start to exit.

    python -m bench.train_process [--epochs 2] [--rounds 3] [--variants reference,float32,bf16]

Each variant is one fresh process, timed from start to exit (imports, MNIST, model, training, saving, teardown),
training on the 60,000 digits with validation on the 10,000 test digits:
  reference  the reference's way: the VAE class fit on the NumPy arrays with Keras's defaults, nothing saved
             (`python -m bench.train_throughput --one reference`)
  float32    `python -m vae_core train --no-evaluate --epochs N` into a temporary VAE_MODELS_DIR
  bf16       the same with `--precision mixed_bfloat16`
The variants run round-robin, the order rotated every round, so a slow spell of a shared machine falls on each
alike. The table gives each variant's best and median seconds and the reference's time over the variant's
(> 1: faster than the reference); the load average is printed so a loaded machine shows in the record.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "reference": ["-m", "bench.train_throughput", "--one", "reference"],
    "float32": ["-m", "vae_core", "train", "--name", "bench", "--no-evaluate"],
    "bf16": ["-m", "vae_core", "train", "--name", "bench", "--no-evaluate", "--precision", "mixed_bfloat16"],
}


def run_once(variant: str, epochs: int) -> float:
    """Seconds from starting the variant's process to its exit; raises if it fails."""
    models = tempfile.mkdtemp(prefix="bench-train-process-")
    try:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, *COMMANDS[variant], "--epochs", str(epochs)],
                              env={**os.environ, "VAE_MODELS_DIR": models}, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(models, ignore_errors=True)
    if proc.returncode:
        raise RuntimeError(f"{variant} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(COMMANDS))
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if "reference" not in variants or set(variants) - set(COMMANDS):
        parser.error(f"variants must include reference and come from {', '.join(COMMANDS)}")
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    loads = [os.getloadavg()[0]]
    for round_ in range(args.rounds):
        shift = round_ % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            seconds[variant].append(run_once(variant, args.epochs))
            loads.append(os.getloadavg()[0])
            print(f"round {round_ + 1}: {variant} {seconds[variant][-1]:.1f} s (load average {loads[-1]:.1f})",
                  file=sys.stderr, flush=True)
    ref_best, ref_median = min(seconds["reference"]), statistics.median(seconds["reference"])
    print(f"\n{args.epochs} epochs, whole process, {args.rounds} rounds round-robin; 1-minute load average during "
          f"the runs {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs\n")
    print("| variant | runs (s) | best s (reference / variant) | median s (reference / variant) |\n|---|---|---|---|")
    for variant, runs in seconds.items():
        best, median = min(runs), statistics.median(runs)
        print(f"| {variant} | {', '.join(f'{s:.0f}' for s in runs)} | {best:.1f} ({ref_best / best:.2f}×) | "
              f"{median:.1f} ({ref_median / median:.2f}×) |")


if __name__ == "__main__":
    main()
