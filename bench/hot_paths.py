"""Benchmark the app's inference hot paths against the reference notebook's approach, in one process.

    python -m bench.hot_paths [--model default] [--repeats 50] [--out bench/RESULTS-hot-paths.md]

Each figure is a ratio against its baseline measured in the same run on the same machine:
  decode one point   decoder.predict(z) (the notebook)          vs FastModel.decode (tf.function)
  15x15 grid         225 decoder.predict calls (the notebook)   vs one batched FastModel.decode
  encode test set    encoder.predict(x, batch_size=128)         vs FastModel.encode (batches of 1024)
  projections        t-SNE / UMAP of 2,000 and 10,000 latent means computed vs read back from the disk cache
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from vae_core.quiet import import_keras_quietly

import_keras_quietly()

import numpy as np  # noqa: E402

from bench import machine  # noqa: E402
from vae_core import embed  # noqa: E402
from vae_core.artifacts import load_model  # noqa: E402
from vae_core.data import load_mnist  # noqa: E402
from vae_core.generate import decode_grid, grid_points  # noqa: E402


def timed(fn, repeats: int) -> list[float]:
    fn()  # warm-up (graph tracing, first-call allocation)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p50(xs):
    return statistics.median(xs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="default")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("bench/RESULTS-hot-paths.md"))
    args = parser.parse_args()
    loaded = load_model(args.model)
    mnist = load_mnist()
    fast, decoder, encoder = loaded.fast, loaded.decoder, loaded.encoder
    z = np.array([[0.5, -1.0]], np.float32)
    rows = []

    base = timed(lambda: decoder.predict(z, verbose=0), args.repeats)
    ours = timed(lambda: fast.decode(z), args.repeats * 10)
    rows.append(("decode one clicked point (p50)", f"{p50(base) * 1e3:.1f} ms", f"{p50(ours) * 1e3:.2f} ms",
                 p50(base) / p50(ours), "≥ 20×, p50 < 5 ms"))

    points = grid_points(15, 3.0)
    base = timed(lambda: [decoder.predict(p[None], verbose=0) for p in points], 3)
    ours = timed(lambda: decode_grid(fast, 15, 3.0), 20)
    rows.append(("15×15 grid (p50)", f"{p50(base):.2f} s", f"{p50(ours) * 1e3:.1f} ms", p50(base) / p50(ours),
                 "≥ 50×"))

    x = mnist.x_test
    base = timed(lambda: encoder.predict(x, batch_size=128, verbose=0), 3)
    ours = timed(lambda: fast.encode(x), 5)
    rows.append(("encode 10,000 test digits (p50)", f"{p50(base):.2f} s", f"{p50(ours):.2f} s",
                 p50(base) / p50(ours), "≥ 1.5×"))

    means = embed.latent_stats(loaded, x)[:, 0]
    for n in (2000, 10_000):
        for method in ("tsne", "umap"):
            path_kw = dict(method=method, n=n)
            # computed = scikit-learn TSNE / umap-learn with the reference's settings (vae_core.projections)
            embed.projection_cache_file(loaded, len(means), **path_kw).unlink(missing_ok=True)
            start = time.perf_counter()
            embed.projection(loaded, means, **path_kw)
            cold = time.perf_counter() - start
            warm = timed(lambda kw=path_kw: embed.projection(loaded, means, **kw), 5)
            rows.append((f"{method} of {n:,} latent means", f"{cold:.1f} s (computed)",
                         f"{p50(warm) * 1e3:.1f} ms (disk cache)", cold / p50(warm), "second visit < 0.1 s"))

    lines = [
        "# Hot paths: the app's approach against the reference notebook's, same process",
        "",
        f"Machine: {machine()}. Model: `{args.model}`. Command: `python -m bench.hot_paths --model {args.model}`.",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| hot path | baseline | ours | speed-up | target |",
        "|---|---|---|---|---|",
        *[f"| {name} | {b} | {o} | {r:.1f}× | {t} |" for name, b, o, r, t in rows],
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
