"""Training throughput: the product's input pipeline against the reference's NumPy-into-fit, same loss math.

    python -m bench.train_throughput [--epochs 2]

Both runs train the same VAE class (same train_step: gradient tape, reconstruction + KL) from the same seed for the
same number of epochs on the full 60,000 digits with validation on the 10,000 test digits; the feeding and the
callbacks may differ:
  reference  vae.fit(x_train, batch_size=128, validation_data=(x_test,))   (Keras defaults, NumPy arrays)
  product    vae_core.train.fit (the recipe's callbacks plus the epoch recorder)
Throughput counts training images per second of whole epochs (validation included), after the first epoch
(graph tracing) when more than one epoch runs.
"""

from __future__ import annotations

import argparse
import time

from vae_core.quiet import import_keras_quietly

import_keras_quietly()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from vae_core.config import ModelConfig, TrainConfig  # noqa: E402
from vae_core.data import load_mnist  # noqa: E402
from vae_core.model import build_vae  # noqa: E402
from vae_core.train import fit  # noqa: E402


class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = getattr(self, "seconds", []) + [time.perf_counter() - self.start]


def reference(mnist, epochs: int, seed: int):
    vae = build_vae(ModelConfig(seed=seed))
    vae.compile(optimizer=keras.optimizers.Adamax(learning_rate=1e-3))
    timer = Timer()
    history = vae.fit(mnist.x_train, epochs=epochs, batch_size=128, validation_data=(mnist.x_test,),
                      callbacks=[timer], verbose=0)
    return timer.seconds, history.history["val_loss"]


def product(mnist, epochs: int, seed: int):
    _, history, _ = fit(ModelConfig(seed=seed), TrainConfig(epochs=epochs), mnist.x_train, mnist.x_test,
                        show_progress=False)
    return history["seconds"], history["val_loss"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--product-first", action="store_true", help="run the product first (order check)")
    args = parser.parse_args()
    mnist = load_mnist()
    rows = []
    runs = [("reference (NumPy into fit)", reference), ("product (vae_core.train.fit)", product)]
    for name, run in (runs[::-1] if args.product_first else runs):
        seconds, val = run(mnist, args.epochs, args.seed)
        timed = seconds[1:] or seconds
        rows.append((name, len(mnist.x_train) / np.mean(timed), val[-1]))
    rows.sort(key=lambda r: not r[0].startswith("reference"))
    base = rows[0][1]
    print("| pipeline | images/s (epoch incl. validation) | ratio | val_loss after "
          f"{args.epochs} epochs |\n|---|---|---|---|")
    for name, speed, val in rows:
        print(f"| {name} | {speed:.0f} | {speed / base:.2f}× | {val:.2f} |")


if __name__ == "__main__":
    main()
