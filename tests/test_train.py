import dataclasses
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from vae_core import store
from vae_core.config import ModelConfig, TrainConfig
from vae_core.errors import TrainingLockedError

TINY = TrainConfig(epochs=3, train_limit=512, test_limit=256)


def test_tiny_training_lowers_the_loss_and_records_history(mnist):
    from vae_core.train import fit

    seen = []
    vae, history, summary = fit(ModelConfig(), TINY, mnist.x_train, mnist.x_test, on_epoch=seen.append,
                                show_progress=False)
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_loss"][-1] < history["val_loss"][0]
    for key in ("loss", "reconstruction_loss", "kl_loss", "val_loss", "val_reconstruction_loss", "val_kl_loss",
                "learning_rate", "seconds"):
        assert len(history[key]) == 3
    assert [r["epoch"] for r in seen] == [1, 2, 3]
    assert summary["best_epoch"] == int(np.argmin(history["val_loss"])) + 1
    assert summary["train_images"] == 512 and summary["test_images"] == 256


def test_same_seed_same_result(mnist):
    from vae_core.train import fit

    recipe = dataclasses.replace(TINY, epochs=1)
    _, h1, _ = fit(ModelConfig(seed=5), recipe, mnist.x_train, mnist.x_test, show_progress=False)
    _, h2, _ = fit(ModelConfig(seed=5), recipe, mnist.x_train, mnist.x_test, show_progress=False)
    # equal up to float summation order (oneDNN threads), far below any training effect
    np.testing.assert_allclose(h1["val_loss"], h2["val_loss"], rtol=1e-5)
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)


def test_bfloat16_training_computes_in_bfloat16_and_saves_a_float32_model(mnist, tmp_path):
    from vae_core.artifacts import load_model
    from vae_core.train import fit, train_and_save

    recipe = dataclasses.replace(TINY, epochs=2, precision="mixed_bfloat16")
    train_and_save("bf", ModelConfig(seed=5), recipe, mnist.x_train, mnist.x_test, root=tmp_path,
                   show_progress=False)
    loaded = load_model("bf", root=tmp_path)
    assert loaded.train_config.precision == "mixed_bfloat16"
    assert {layer.dtype_policy.name for m in (loaded.encoder, loaded.decoder) for layer in m.layers} == {"float32"}
    assert loaded.history["val_loss"][-1] < loaded.history["val_loss"][0]
    # the saved float32 model scores what training measured in bfloat16, up to bfloat16 rounding and sampling
    total, _, _ = loaded.vae.losses_of(mnist.x_test[:256])
    best = loaded.extra["run"]["best_val_loss"]
    assert abs(float(total) - best) / best < 0.03
    # and training really computed in bfloat16: float32 from the same seed gives other numbers
    _, h32, _ = fit(ModelConfig(seed=5), dataclasses.replace(recipe, precision="float32"), mnist.x_train,
                    mnist.x_test, show_progress=False)
    assert abs(h32["val_loss"][0] - loaded.history["val_loss"][0]) / h32["val_loss"][0] > 1e-4


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainConfig(precision="float16")


def test_interrupted_training_leaves_previous_model_intact(mnist, tmp_path):
    from vae_core.train import train_and_save

    recipe = dataclasses.replace(TINY, epochs=1)
    train_and_save("m", ModelConfig(), recipe, mnist.x_train, mnist.x_test, root=tmp_path, show_progress=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()}

    def interrupt(epoch, step, steps):
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_and_save("m", ModelConfig(seed=9), recipe, mnist.x_train, mnist.x_test, root=tmp_path,
                       on_batch=interrupt, show_progress=False)
    assert {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.lock", "m"]  # the lock file stays, unlocked


def test_second_writer_of_the_same_name_is_refused(tmp_path):
    with store.training_lock("same", tmp_path):
        with pytest.raises(TrainingLockedError, match="already being trained"):
            with store.training_lock("same", tmp_path):
                pass
    with store.training_lock("same", tmp_path):  # released afterwards
        pass


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".x.lock").write_text(dead.stdout.strip())
    with store.training_lock("x", tmp_path):
        assert (tmp_path / ".x.lock").read_text() == str(os.getpid())


def test_killed_training_process_leaves_no_visible_model(mnist, tmp_path):
    """SIGKILL mid-epoch: the model store shows no new model, and the next run cleans the leftovers."""
    script = textwrap.dedent(f"""
        import os, signal
        from vae_core.data import load_mnist
        from vae_core.config import ModelConfig, TrainConfig
        from vae_core.train import train_and_save
        d = load_mnist(allow_download=False)
        def kill(epoch, step, steps):
            if step == 3:
                os.kill(os.getpid(), signal.SIGKILL)
        train_and_save("k", ModelConfig(), TrainConfig(epochs=1, train_limit=1024, test_limit=128), d.x_train,
                       d.x_test, root={str(tmp_path)!r}, on_batch=kill, show_progress=False)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9
    assert store.list_models(tmp_path) == []
    store.recover_leftovers(tmp_path)
    assert not list(tmp_path.glob(".tmp-*"))
    # the stale lock does not block the next run
    with store.training_lock("k", tmp_path):
        pass


def test_saved_run_summary(store_root):
    saved = json.loads((store_root / "tiny" / store.CONFIG_FILE).read_text())
    assert saved["model"]["latent_dim"] == 2 and saved["training"]["batch_size"] == 128
    assert saved["run"]["epochs_run"] == 2
