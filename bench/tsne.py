"""t-SNE at 10,000 points: scikit-learn's Barnes-Hut against openTSNE's FFT-accelerated gradient, same settings.

    python -m bench.tsne [--model default] [--n 10000] [--rounds 2]

The points are the latent means of the first --n test digits under a shipped model (what the projections page
shows). Each run is one fresh process (round-robin, order rotated each round, so a slow spell of a shared machine
hits both) with the reference's settings: perplexity 30, 1,000 iterations in all (250 of them early
exaggeration), PCA initialisation, learning rate "auto", seed 42:
  sklearn   sklearn.manifold.TSNE as vae_core.projections called it (Barnes-Hut, angle 0.5)
  opentsne  openTSNE.TSNE(negative_gradient_method="fft", n_jobs=2)
Quality of each embedding, on the same points: trustworthiness (10 neighbours), kNN preservation (the share of each
point's 10 nearest neighbours in the latent space that are among its 10 nearest in 2-D) and 5-NN label accuracy in
2-D (5-fold cross-validation). Both methods are run twice per seed check: the same seed must give the same result.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

METHODS = ("sklearn", "opentsne")


def embed(method: str, z: np.ndarray, seed: int = 42) -> np.ndarray:
    """(N, d) -> (N, 2) with the reference's t-SNE settings, by `method`."""
    if method == "sklearn":
        from sklearn.manifold import TSNE

        return TSNE(n_components=2, perplexity=30.0, max_iter=1000, random_state=seed, init="pca",
                    learning_rate="auto").fit_transform(z.astype(np.float64))
    from openTSNE import TSNE

    return np.asarray(TSNE(n_components=2, perplexity=30.0, early_exaggeration_iter=250, n_iter=750,
                           initialization="pca", learning_rate="auto", negative_gradient_method="fft",
                           n_jobs=2, random_state=seed).fit(z.astype(np.float64)))


def quality(z: np.ndarray, e: np.ndarray, labels: np.ndarray, k: int = 10) -> dict[str, float]:
    """Trustworthiness, kNN preservation and 5-NN label accuracy of embedding e (N, 2) of points z (N, d)."""
    from sklearn.manifold import trustworthiness
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

    def neighbours(a):
        return NearestNeighbors(n_neighbors=k + 1).fit(a).kneighbors(a, return_distance=False)[:, 1:]

    high, low = neighbours(z), neighbours(e)
    kept = np.mean([len(np.intersect1d(h, lo)) / k for h, lo in zip(high, low, strict=True)])
    accuracy = cross_val_score(KNeighborsClassifier(5), e, labels, cv=5).mean()
    return {"trustworthiness": float(trustworthiness(z, e, n_neighbors=k)), "knn_preservation": float(kept),
            "knn_accuracy_2d": float(accuracy)}


def latent_means(model: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Latent means (n, latent_dim) and labels (n,) of the first n test digits under a shipped model."""
    from vae_core.quiet import import_keras_quietly

    import_keras_quietly()
    from vae_core.artifacts import load_model
    from vae_core.data import load_mnist
    from vae_core.embed import latent_stats

    mnist = load_mnist()
    stats = latent_stats(load_model(model), mnist.x_test, "test")  # (10000, 2, latent_dim): mean, log-variance
    return stats[:n, 0].astype(np.float32), mnist.y_test[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="default")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)  # internal: one run in this process
    parser.add_argument("--points", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        z = np.load(args.points)
        start, cpu = time.perf_counter(), time.process_time()
        e = embed(args.one, z)
        print(json.dumps({"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}))
        np.save(args.out, e)
        return
    z, labels = latent_means(args.model, args.n)
    seconds: dict[str, list[float]] = {m: [] for m in METHODS}
    cpu: dict[str, list[float]] = {m: [] for m in METHODS}
    runs: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        points = Path(tmp) / "z.npy"
        np.save(points, z)
        for round_ in range(args.rounds):
            for method in METHODS[round_ % 2:] + METHODS[:round_ % 2]:
                out = Path(tmp) / f"{method}-{round_}.npy"
                proc = subprocess.run([sys.executable, "-m", "bench.tsne", "--one", method, "--points", str(points),
                                       "--out", str(out)], capture_output=True, text=True, check=True)
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                seconds[method].append(result["seconds"])
                cpu[method].append(result["cpu_seconds"])
                runs[method].append(np.load(out))
                loads.append(os.getloadavg()[0])
                print(f"round {round_ + 1}: {method} {seconds[method][-1]:.1f} s, CPU {cpu[method][-1]:.1f} s "
                      f"(load average {loads[-1]:.1f})",
                      file=sys.stderr, flush=True)
    print(f"\nt-SNE of {len(z):,} latent means (model {args.model!r}, latent_dim {z.shape[1]}), perplexity 30, 1,000 "
          f"iterations, seed 42; {args.rounds} rounds round-robin; 1-minute load average {min(loads):.1f}-"
          f"{max(loads):.1f} on {os.cpu_count()} CPUs\n")
    base, base_cpu = statistics.median(seconds["sklearn"]), statistics.median(cpu["sklearn"])
    print("| method | runs (s) | median s (speed-up) | median CPU s, all threads (ratio) | same seed, same result | "
          "trustworthiness@10 | "
          "10-NN preservation | 5-NN label accuracy in 2-D |\n|---|---|---|---|---|---|---|---|")
    for method in METHODS:
        q = quality(z, runs[method][0], labels)
        same = all(np.array_equal(runs[method][0], r) for r in runs[method][1:])
        median, median_cpu = statistics.median(seconds[method]), statistics.median(cpu[method])
        print(f"| {method} | {', '.join(f'{s:.1f}' for s in seconds[method])} | {median:.1f} "
              f"({base / median:.2f}×) | {median_cpu:.1f} ({base_cpu / median_cpu:.2f}×) | "
              f"{('yes' if same else 'no') if len(runs[method]) > 1 else '-'} | {q['trustworthiness']:.4f} | "
              f"{q['knn_preservation']:.3f} | {q['knn_accuracy_2d']:.3f} |")


if __name__ == "__main__":
    main()
