"""The reference VAE (docs/reference.md §1–2): Sampling layer, encoder, decoder and the model with its loss.

Loss (Kingma & Welling 2014, "Auto-Encoding Variational Bayes", eq. 10; beta as in Higgins et al. 2017):
    reconstruction_loss = mean over batch of sum over pixels of BCE(x, x_hat)   (or squared error)
    kl_loss             = mean over batch of -1/2 sum_latent (1 + log_var - mean^2 - exp(log_var))
    total_loss          = reconstruction_loss + beta * kl_loss
"""

from __future__ import annotations

import keras
from keras import layers, ops

from .config import ModelConfig
from .distribute import reducible

IMAGE_SHAPE = (28, 28, 1)
_EPS = 1e-7  # keras.backend.epsilon(): BCE clips predictions to [eps, 1 - eps]


@keras.saving.register_keras_serializable(package="vae_core")
class Sampling(layers.Layer):
    """Reparameterisation trick: z = z_mean + exp(0.5 * z_log_var) * eps, eps ~ N(0, I), seeded."""

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def build_encoder(config: ModelConfig, dtype: str | None = None) -> keras.Model:
    """x (N, 28, 28, 1) -> [z_mean, z_log_var, z], each (N, latent_dim); for kind "ae" just z_mean (N, latent_dim).
    `dtype`: the layers' dtype policy."""
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", dtype=dtype)(inputs)  # (N, 14, 14, 32)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", dtype=dtype)(x)  # (N, 7, 7, 64)
    x = layers.Flatten(dtype=dtype)(x)  # (N, 3136)
    x = layers.Dense(16, activation="relu", dtype=dtype)(x)  # (N, 16)
    z_mean = layers.Dense(config.latent_dim, name="z_mean", dtype=dtype)(x)
    if config.kind == "ae":  # the same layers without the variance head and the sampling: a deterministic code
        return keras.Model(inputs, z_mean, name="encoder")
    z_log_var = layers.Dense(config.latent_dim, name="z_log_var", dtype=dtype)(x)
    z = Sampling(seed=config.seed, name="z", dtype=dtype)([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder(config: ModelConfig, dtype: str | None = None) -> keras.Model:
    """z (N, latent_dim) -> x_hat (N, 28, 28, 1) in (0, 1). `dtype`: the layers' dtype policy."""
    inputs = keras.Input(shape=(config.latent_dim,), name="z")
    x = layers.Dense(7 * 7 * 64, activation="relu", dtype=dtype)(inputs)
    x = layers.Reshape((7, 7, 64), dtype=dtype)(x)
    x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu", dtype=dtype)(x)  # (N, 14, 14, 64)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu", dtype=dtype)(x)  # (N, 28, 28, 32)
    outputs = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid", dtype=dtype)(x)  # (N, 28, 28, 1)
    return keras.Model(inputs, outputs, name="decoder")


def reconstruction_loss_per_image(x, x_hat, loss: str = "bce"):
    """Summed per-pixel loss of each image, shape (N,). BCE matches keras.losses.binary_crossentropy."""
    if loss == "bce":
        p = ops.clip(x_hat, _EPS, 1.0 - _EPS)
        per_pixel = -(x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p))
    else:
        per_pixel = ops.square(x - x_hat)
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1)


def kl_per_image(z_mean, z_log_var):
    """KL(q(z|x) || N(0, I)) of each image, shape (N,)."""
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1)


@keras.saving.register_keras_serializable(package="vae_core")
class VAE(keras.Model):
    """Encoder + decoder trained on reconstruction + beta * KL; `call` returns the reconstruction.

    With kind "ae" it is a plain autoencoder: the encoder gives z_mean only, z = z_mean and the loss is the
    reconstruction alone (the KL tracker records 0).
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0,
                 reconstruction: str = "bce", kind: str = "vae", **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)
        self.reconstruction = reconstruction
        self.kind = kind
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def encode(self, x, training=False):
        """(z_mean, z_log_var, z) of images x; z_log_var is None for an "ae" (z = z_mean)."""
        if self.kind == "ae":
            z_mean = self.encoder(x, training=training)
            return z_mean, None, z_mean
        return self.encoder(x, training=training)

    def call(self, x, training=False):
        return self.decoder(self.encode(x, training=training)[2], training=training)

    def losses_of(self, x, training=False):
        """(total, reconstruction, kl) batch means for images x (N, 28, 28, 1)."""
        z_mean, z_log_var, z = self.encode(x, training=training)
        x_hat = self.decoder(z, training=training)
        if z_log_var is None:  # plain autoencoder: reconstruction only
            reconstruction = ops.mean(reconstruction_loss_per_image(x, ops.cast(x_hat, "float32"),
                                                                    self.reconstruction))
            return reconstruction, reconstruction, ops.zeros_like(reconstruction)
        # the loss in float32 even when a mixed-precision policy computes the layers in bfloat16 (no-op otherwise)
        z_mean, z_log_var, x_hat = (ops.cast(t, "float32") for t in (z_mean, z_log_var, x_hat))
        reconstruction = ops.mean(reconstruction_loss_per_image(x, x_hat, self.reconstruction))
        kl = ops.mean(kl_per_image(z_mean, z_log_var))
        return reconstruction + self.beta * kl, reconstruction, kl

    def _record(self, total, reconstruction, kl):
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return reducible({m.name: m.result() for m in self.metrics})

    def train_step(self, data):
        import tensorflow as tf  # the training step is TensorFlow's (the project's backend)

        x = data[0] if isinstance(data, tuple) else data
        # under a tf.distribute strategy each replica's loss is the mean over its share of the batch and the
        # optimizer sums the replicas' gradients: divide by their number so the sum is the gradient of the mean
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            total, reconstruction, kl = self.losses_of(x, training=True)
            scaled = total / replicas if replicas > 1 else total
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._record(total, reconstruction, kl)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._record(*self.losses_of(x, training=False))

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "beta": self.beta,
            "reconstruction": self.reconstruction,
            "kind": self.kind,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def build_vae(config: ModelConfig, dtype: str | None = None) -> VAE:
    """A fresh, built (but untrained and uncompiled) VAE for `config`; `dtype`: a Keras dtype policy for its layers
    (None: the global policy, float32 unless changed), e.g. "mixed_bfloat16" (float32 weights, bfloat16 compute)."""
    keras.utils.set_random_seed(config.seed)
    vae = VAE(build_encoder(config, dtype), build_decoder(config, dtype), beta=config.beta,
              reconstruction=config.reconstruction, kind=config.kind, name="vae")
    vae.build((None, *IMAGE_SHAPE))
    return vae
