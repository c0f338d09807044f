"""Training throughput: ways of running the reference's training step, each against the reference, plus the floor.

    python -m bench.train_throughput [--epochs 4] [--rounds 1]
        [--variants reference,product,spe16,jit,inter1,bf16,product-bf16,fused,batch512]

Every variant trains the same VAE class (same gradient-tape train_step, reconstruction + KL) from the same seed on
the full 60,000 digits with validation on the 10,000 test digits, each in a fresh Python process (so one variant's
threads and allocator state cannot slow the next), round-robin over --rounds, because this machine has spells in
which everything runs at about half speed (seen in every kind of run, with and without other load):
  reference  vae.fit(x_train, batch_size=128, validation_data=(x_test,))   (Keras defaults, NumPy arrays)
  product    vae_core.train.fit: the recipe's callbacks and the epoch recorder, as `python -m vae_core train` runs
  spe16      the reference with compile(steps_per_execution=16)             (16 steps per tf.function call)
  jit        the reference with compile(jit_compile=True)                    (XLA)
  inter1     the reference with TF_NUM_INTEROP_THREADS=1                     (thread settings)
  bf16       the reference with its layers' dtype policy "mixed_bfloat16"   (bf16 compute, float32 weights)
  product-bf16  the product with `train --precision mixed_bfloat16`           (the option that bf16 became)
  fused      the reference with BCE computed from the last layer's logits     (one fused op instead of sigmoid,
             (tf.nn.sigmoid_cross_entropy_with_logits)                         clip, two logs; differs only where
                                                                               |logit| > 16, where clipping binds)
  batch512   the reference with batch_size=512                               (an option; not the recipe)
Images/s counts training images per second of whole epochs, validation included; each process's first epoch
(tracing) is left out when more than one runs. The table gives the median epoch and the best epoch (the machine
outside a slow spell), each as a ratio to the reference's. The floor: floating-point operations per training
image from the layer shapes, and the machine's attainable rate from a 4096 x 4096 float32 matrix product on the
same cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

VARIANTS = ("reference", "product", "spe16", "jit", "inter1", "bf16", "product-bf16", "fused", "batch512")
ENV = {"inter1": {"TF_NUM_INTEROP_THREADS": "1"}}


def layer_flops() -> dict[str, int]:
    """Forward FLOPs (multiply + add = 2) per image of each layer with weights, from the built model's shapes."""
    import keras

    from vae_core.config import ModelConfig
    from vae_core.model import build_vae

    vae = build_vae(ModelConfig())
    flops = {}
    for model in (vae.encoder, vae.decoder):
        for layer in model.layers:
            if not layer.weights:
                continue
            kernel = layer.weights[0]
            size = math.prod(kernel.shape)
            if isinstance(layer, keras.layers.Conv2DTranspose):  # every input pixel scatters a kernel-sized patch
                _, h, w, _ = layer.input.shape
            elif isinstance(layer, keras.layers.Conv2D):  # every output pixel gathers one
                _, h, w, _ = layer.output.shape
            else:  # Dense
                h = w = 1
            flops[f"{model.name}/{layer.name}"] = 2 * h * w * size
    return flops


def floor(train_images: int, val_images: int) -> dict:
    """FLOPs of one epoch and the attainable float32 GFLOP/s of this machine."""
    import tensorflow as tf

    per_layer = layer_flops()
    forward = sum(per_layer.values())
    first = next(iter(per_layer.values()))  # the first layer needs no gradient with respect to its input
    train_step = 3 * forward - first  # forward + gradient w.r.t. inputs + gradient w.r.t. weights
    a, b = tf.random.normal((4096, 4096)), tf.random.normal((4096, 4096))
    matmul = tf.function(lambda a, b: tf.linalg.matmul(a, b))
    matmul(a, b).numpy()
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        matmul(a, b).numpy()
        rates.append(2 * 4096 ** 3 / (time.perf_counter() - start) / 1e9)
    return {"per_layer": per_layer, "forward": forward, "train_step": train_step,
            "epoch": train_images * train_step + val_images * forward, "gflops": max(rates)}


def fused_vae(config):
    """The reference VAE whose reconstruction loss is computed from the decoder's logits (the "fused" variant)."""
    import tensorflow as tf
    from keras import ops

    from vae_core.model import IMAGE_SHAPE, VAE, build_vae, kl_per_image

    class FusedVAE(VAE):
        def losses_of(self, x, training=False):
            z_mean, z_log_var, h = self.encoder(x, training=training)
            for layer in self.decoder.layers[1:-1]:  # every decoder layer but the last (sigmoid) one
                h = layer(h)
            last = self.decoder.layers[-1]
            logits = ops.conv_transpose(h, last.kernel, strides=1, padding="same") + last.bias
            per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
            reconstruction = ops.mean(ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1))
            kl = ops.mean(kl_per_image(z_mean, z_log_var))
            return reconstruction + self.beta * kl, reconstruction, kl

    reference = build_vae(config)  # the same seeded layers; only the loss differs
    vae = FusedVAE(reference.encoder, reference.decoder, beta=reference.beta, name="vae")
    vae.build((None, *IMAGE_SHAPE))
    return vae


def run_one(variant: str, epochs: int, seed: int) -> dict:
    """Train one variant in this process; returns seconds per epoch and validation losses."""
    from vae_core.quiet import import_keras_quietly

    import_keras_quietly()
    import keras

    from vae_core.config import ModelConfig, TrainConfig
    from vae_core.data import load_mnist
    from vae_core.model import build_vae
    from vae_core.train import fit

    mnist = load_mnist()
    if variant in ("product", "product-bf16"):
        recipe = TrainConfig(epochs=epochs, precision="mixed_bfloat16" if variant == "product-bf16" else "float32")
        _, history, _ = fit(ModelConfig(seed=seed), recipe, mnist.x_train, mnist.x_test, show_progress=False)
        return {"seconds": history["seconds"], "val_loss": history["val_loss"]}
    if variant == "fused":
        vae = fused_vae(ModelConfig(seed=seed))
    else:  # bf16: the same per-model dtype policy `train --precision mixed_bfloat16` uses, no global policy
        vae = build_vae(ModelConfig(seed=seed), dtype="mixed_bfloat16" if variant == "bf16" else None)
    vae.compile(optimizer=keras.optimizers.Adamax(learning_rate=1e-3), jit_compile=variant == "jit",
                steps_per_execution=16 if variant == "spe16" else 1)

    seconds = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    history = vae.fit(mnist.x_train, epochs=epochs, batch_size=512 if variant == "batch512" else 128,
                      validation_data=(mnist.x_test,), callbacks=[Timer()], verbose=0)
    return {"seconds": seconds, "val_loss": [float(v) for v in history.history["val_loss"]]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--rounds", type=int, default=1, help="run the variants round-robin this many times")
    parser.add_argument("--one", choices=VARIANTS, help=argparse.SUPPRESS)  # internal: run one variant here
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.epochs, args.seed)))
        return
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or "reference" not in variants:
        parser.error(f"variants must include reference and come from {', '.join(VARIANTS)}; got {unknown or variants}")
    variants.sort(key=lambda v: v != "reference")  # the baseline first
    results: dict[str, dict[str, list]] = {}
    for round_ in range(args.rounds):  # round-robin, so a slow spell of the machine hits every variant alike
        for variant in variants:
            print(f"round {round_ + 1}: running {variant} ...", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, "-m", "bench.train_throughput", "--one", variant,
                                   "--epochs", str(args.epochs), "--seed", str(args.seed)],
                                  env={**os.environ, **ENV.get(variant, {})}, capture_output=True, text=True)
            if proc.returncode:
                print(f"{variant} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            result = results.setdefault(variant, {"seconds": [], "val_loss": run["val_loss"]})
            result["seconds"] += run["seconds"][1:] or run["seconds"]  # the first epoch traces the graphs
            print(f"  images/s per epoch: {[round(60_000 / s) for s in run['seconds']]}", file=sys.stderr)

    from vae_core.quiet import import_keras_quietly

    import_keras_quietly()
    f = floor(60_000, 10_000)
    floor_seconds = f["epoch"] / (f["gflops"] * 1e9)
    print("\nforward FLOPs per image by layer: " + ", ".join(f"{k} {v:,}" for k, v in f["per_layer"].items()))
    print(f"FLOPs per image: forward {f['forward'] / 1e6:.2f} M, training step {f['train_step'] / 1e6:.2f} M; "
          f"one epoch (60,000 trained + 10,000 validated) {f['epoch'] / 1e12:.2f} TFLOP; attainable float32 "
          f"(4096² matmul): {f['gflops']:.0f} GFLOP/s → floor {floor_seconds:.1f} s per epoch, "
          f"{60_000 / floor_seconds:,.0f} images/s\n")
    import numpy as np

    base = {stat: stat(60_000 / np.asarray(results["reference"]["seconds"])) for stat in (np.median, np.max)}
    print(f"| variant | epochs timed | images/s: median (ratio) | best epoch (ratio) | val_loss after {args.epochs} "
          "epochs | best epoch as a fraction of the float32 floor |\n|---|---|---|---|---|---|")
    for variant, r in results.items():
        speeds = 60_000 / np.asarray(r["seconds"])
        median, best = np.median(speeds), speeds.max()
        print(f"| {variant} | {len(speeds)} | {median:,.0f} ({median / base[np.median]:.2f}×) | {best:,.0f} "
              f"({best / base[np.max]:.2f}×) | {r['val_loss'][-1]:.2f} | "
              f"{best * f['epoch'] / 60_000 / (f['gflops'] * 1e9):.0%} |")


if __name__ == "__main__":
    main()
