"""Every benchmark, one after another, on the shipped model: `python -m bench [--quick]`.

Runs each benchmark in its own process (so none inherits another's threads, caches or memory), prints its table
and writes them all, with the machine and the date, to bench/RESULTS-last-run.md. bench/RESULTS.md is the
commented record of a run. `--quick` (fewer clicks and training epochs) took 15.5 minutes on the 2-core development
machine; the full run does 2-3 times the clicks and epochs. Not included: `python -m bench.full_run` (one whole
training run: 34 minutes in bfloat16, 49 in float32 there).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench import machine

OUT = Path(__file__).with_name("RESULTS-last-run.md")


def main() -> None:
    parser = argparse.ArgumentParser(description="Every benchmark, one after another, on the shipped model.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer clicks, sessions and training epochs (the load test: 4 sessions for 30 s, not 16 "
                             "for 120 s)")
    args = parser.parse_args()
    runs = [
        ("Inference hot paths", ["bench.hot_paths", "--out", "/dev/null"]),
        ("The app in headless Chromium", ["bench.app_latency", "--clicks", "20" if args.quick else "50"]),
        ("Server memory, every page with two models", ["bench.app_memory"]),
        ("The lean server against the Keras server", ["bench.lean_server", "--rounds", "1" if args.quick else "2"]),
        ("The app under load", ["bench.app_load", "--sessions", "4" if args.quick else "16", "--duration",
                                "30" if args.quick else "120"]),
        ("Training throughput and the floor", ["bench.train_throughput", "--epochs", "2" if args.quick else "4"]),
        ("Where a training step's time goes", ["bench.layer_profile", "--repeats", "20" if args.quick else "40"]),
    ]
    sections = [f"# Last run of `python -m bench{' --quick' if args.quick else ''}`", "",
                f"Machine: {machine()}. Started {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    failed = []
    for title, command in runs:
        print(f"== {title}: python -m {' '.join(command)}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        print("\n".join(lines), flush=True)
        if proc.returncode:
            failed.append(title)
            print(proc.stderr[-3000:], file=sys.stderr)
        sections += [f"## {title}", "", f"`python -m {' '.join(command)}` ({time.perf_counter() - start:.0f} s"
                     f"{', FAILED' if proc.returncode else ''})", "", *lines, ""]
    OUT.write_text("\n".join(sections))
    print(f"written: {OUT}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
