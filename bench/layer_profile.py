"""Where a training step's time goes: forward + backward of each layer with weights, at batch 128, in float32 and
under the mixed_bfloat16 policy, and equivalent formulations of the slow layers tried against Keras's own.

    python -m bench.layer_profile [--repeats 40]

Each layer runs alone in a tf.function (forward, then gradients with respect to its input and weights, as in
training); the median of --repeats calls is reported with the layer's GFLOP/s (useful FLOPs from the layer
shapes, as in bench.train_throughput). Then the same for rewrites of the transposed and strided convolutions
with the same weights, checked to give the same output and gradients (largest relative difference printed):
  phases     a stride-2 Conv2DTranspose as one 2x2 convolution producing the four output phases, then
             depth_to_space (sub-pixel convolution; 16/9 of the useful multiplies, all in one dense conv)
  four       the same as four separate convolutions, one per phase (exactly the useful multiplies)
  conv       the stride-1 Conv2DTranspose as a Conv2D with the kernel flipped and its channels swapped
  s2d        a stride-2 Conv2D as space_to_depth then a 2x2 convolution
  patches    a stride-2 Conv2D as extract_patches then a matrix product (im2col)
and the whole training step (train_on_batch) in both precisions.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()

    from vae_core.quiet import import_keras_quietly

    import_keras_quietly()
    import keras
    import numpy as np
    import tensorflow as tf

    from bench.train_throughput import layer_flops
    from vae_core.config import ModelConfig
    from vae_core.model import build_vae

    flops = layer_flops()

    def median_ms(fn, x) -> float:
        fn(x)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            [t.numpy() for t in fn(x)]
            times.append(time.perf_counter() - start)
        return float(np.median(times)) * 1e3

    def forward_backward(layer, call):
        @tf.function
        def run(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = call(x)
                s = tf.reduce_sum(tf.cast(y, "float32") * tf.sin(tf.cast(y, "float32")))
            return [y, *tape.gradient(s, [x, *layer.trainable_weights])]
        return run

    # The rewrites. Keras's Conv2DTranspose kernel is (kh, kw, out, in); "same" with stride 2 and a 3-tap kernel
    # puts input i at outputs 2i + k (k = 0, 1, 2), so even outputs take taps (2, 0) from inputs (i - 1, i) and odd
    # outputs tap 1 from input i: on the input padded by one at the top/left, a 2x2 correlation per output phase.
    # (Hand-written because no library offers these as drop-in forms of a trained Keras layer.)
    def _activate(layer, y):
        return layer.activation(y + tf.cast(layer.bias, y.dtype))

    def phase_kernels(kernel):
        taps = {0: (2, 0), 1: (None, 1)}
        k = tf.transpose(kernel, [0, 1, 3, 2])  # (3, 3, in, out)
        zero = tf.zeros_like(k[0, 0])
        return {(a, b): tf.stack([tf.stack([k[taps[a][u], taps[b][v]] if None not in (taps[a][u], taps[b][v])
                                            else zero for v in (0, 1)]) for u in (0, 1)])
                for a in (0, 1) for b in (0, 1)}  # (a, b) -> (2, 2, in, out)

    def phases(layer, x):
        kernels = phase_kernels(tf.cast(layer.kernel, x.dtype))
        w = tf.concat([kernels[a, b] for a in (0, 1) for b in (0, 1)], axis=-1)
        y = tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 0], [1, 0], [0, 0]]), w, 1, "VALID")
        return _activate(layer, tf.nn.depth_to_space(y, 2))

    def four(layer, x):
        k = phase_kernels(tf.cast(layer.kernel, x.dtype))
        xp = tf.pad(x, [[0, 0], [1, 0], [1, 0], [0, 0]])
        y = tf.concat([tf.nn.conv2d(xp, k[0, 0], 1, "VALID"),
                       tf.nn.conv2d(xp[:, :, 1:], k[0, 1][:, 1:], 1, "VALID"),
                       tf.nn.conv2d(xp[:, 1:], k[1, 0][1:], 1, "VALID"),
                       tf.nn.conv2d(x, k[1, 1][1:, 1:], 1, "VALID")], axis=-1)
        return _activate(layer, tf.nn.depth_to_space(y, 2))

    def conv(layer, x):
        w = tf.transpose(tf.reverse(tf.cast(layer.kernel, x.dtype), [0, 1]), [0, 1, 3, 2])
        return _activate(layer, tf.nn.conv2d(x, w, 1, "SAME"))

    def s2d(layer, x):  # "same" pads stride-2 convolutions of even sizes by one after: taps 2i, 2i + 1, 2i + 2
        k = tf.pad(tf.cast(layer.kernel, x.dtype), [[0, 1], [0, 1], [0, 0], [0, 0]])  # (4, 4, in, out)
        cin = k.shape[2]
        w = tf.reshape(tf.transpose(tf.reshape(k, [2, 2, 2, 2, cin, -1]), [0, 2, 1, 3, 4, 5]), [2, 2, 4 * cin, -1])
        xs = tf.pad(tf.nn.space_to_depth(x, 2), [[0, 0], [0, 1], [0, 1], [0, 0]])
        return _activate(layer, tf.nn.conv2d(xs, w, 1, "VALID"))

    def patches(layer, x):
        k = tf.cast(layer.kernel, x.dtype)
        p = tf.image.extract_patches(tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]), [1, 3, 3, 1], [1, 2, 2, 1],
                                     [1, 1, 1, 1], "VALID")
        return _activate(layer, tf.tensordot(p, tf.reshape(k, [-1, k.shape[-1]]), 1))

    rewrites = {"conv2d": [s2d, patches], "conv2d_1": [s2d], "conv2d_transpose": [phases, four],
                "conv2d_transpose_1": [phases, four], "conv2d_transpose_2": [conv]}

    for precision in ("float32", "mixed_bfloat16"):
        keras.backend.clear_session()  # so the layers get the same names (conv2d, ...) in both precisions
        vae = build_vae(ModelConfig(), dtype=precision)
        print(f"\n{precision}, batch {args.batch}: forward + backward of each layer alone (median of {args.repeats})")
        print("| layer | input | Keras: ms | GFLOP/s | rewrite: ms (largest relative difference) |")
        print("|---|---|---|---|---|")
        total = 0.0
        for model in (vae.encoder, vae.decoder):
            for layer in model.layers:
                if not layer.weights:
                    continue
                x = tf.cast(tf.random.uniform((args.batch, *layer.input.shape[1:]), seed=1), layer.compute_dtype)
                reference = forward_backward(layer, layer)
                ms = median_ms(reference, x)
                total += ms
                name = f"{model.name}/{layer.name}"
                work = 3 * flops[name] * args.batch  # forward, input gradient, weight gradient
                notes = []
                expected = [tf.cast(t, "float32") for t in reference(x)]
                for rewrite in rewrites.get(layer.name, []):
                    run = forward_backward(layer, lambda x, rewrite=rewrite, layer=layer: rewrite(layer, x))
                    got = [tf.cast(t, "float32") for t in run(x)]
                    diff = max(float(tf.reduce_max(tf.abs(a - b)) / (tf.reduce_max(tf.abs(a)) + 1e-12))
                               for a, b in zip(expected[:3], got[:3], strict=True))  # output, dx, dkernel
                    notes.append(f"{rewrite.__name__} {median_ms(run, x):.2f} ({diff:.0e})")
                print(f"| {name} | {tuple(x.shape[1:])} | {ms:.2f} | {work / ms / 1e6:.0f} | {', '.join(notes)} |")
        print(f"sum of the layers: {total:.1f} ms")
        vae.compile(optimizer=keras.optimizers.Adamax(1e-3))
        batch = np.random.default_rng(0).random((args.batch, 28, 28, 1), dtype=np.float32)
        vae.train_on_batch(batch)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            vae.train_on_batch(batch)
            times.append(time.perf_counter() - start)
        print(f"whole training step (train_on_batch, median): {np.median(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
