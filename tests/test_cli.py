"""The command line, run as a user would: a subprocess per command."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image


def cli(*args, env_root=None, check=False):
    env = dict(os.environ)
    if env_root is not None:
        env["VAE_MODELS_DIR"] = str(env_root)
    result = subprocess.run([sys.executable, "-m", "vae_core", *map(str, args)], capture_output=True, text=True,
                            env=env, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def _one_line_error(result):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("args,expected", [
    (["decode", "--z", "0,0", "--out", "x.png", "--model", "missing"], "No model named 'missing'"),
    (["decode", "--z", "0,0", "--out", "x.png", "--model", "../etc"], "Invalid model name"),
    (["decode", "--z", "0,0", "--out", "x.txt", "--model", "tiny"], "must name a .png"),
    (["train", "--name", "a/b"], "Invalid model name"),
    (["train", "--latent-dim", "0"], "latent_dim must be"),
    (["train", "--beta", "-2"], "beta must be"),
    (["grid", "--range", "-1", "--out", "g.png", "--model", "tiny"], "--range must be"),
    (["reconstruct", "nothere.png", "--out", "o", "--model", "tiny"], "no such file"),
])
def test_user_errors_are_one_line(store_root, tmp_path, args, expected):
    line = _one_line_error(cli(*args, env_root=store_root))
    assert expected in line


def test_wrong_latent_size_and_bad_image(store_root, tmp_path):
    assert "latent_dim 2" in _one_line_error(cli("decode", "--z", "1,2,3", "--out", tmp_path / "a.png",
                                                 "--model", "tiny", env_root=store_root))
    bad = tmp_path / "fake.png"
    bad.write_text("not an image")
    line = _one_line_error(cli("reconstruct", bad, "--out", tmp_path / "o", "--model", "tiny", env_root=store_root))
    assert "not a supported image" in line
    assert not (tmp_path / "o").exists()  # nothing written


def test_help_for_every_command():
    for command in ("train", "evaluate", "reconstruct", "decode", "sample", "grid", "data"):
        result = cli(command, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout


def test_decode_sample_grid_match_the_library(store_root, tiny, tmp_path):
    from vae_core.generate import decode_grid, sample_prior
    from vae_core.images import tile, to_uint8

    cli("decode", "--z", "0.5,-1", "--out", tmp_path / "d.png", "--model", "tiny", env_root=store_root, check=True)
    d = np.asarray(Image.open(tmp_path / "d.png"))
    np.testing.assert_array_equal(d, to_uint8(tiny.fast.decode([[0.5, -1.0]])[0]))

    cli("sample", "--n", "20", "--seed", "3", "--out", tmp_path / "s.png", "--model", "tiny", env_root=store_root,
        check=True)
    _, imgs = sample_prior(tiny.fast, 20, 3)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "s.png")), to_uint8(tile(imgs, 10)))

    out = cli("grid", "--n", "7", "--range", "2", "--out", tmp_path / "g.png", "--model", "tiny",
              env_root=store_root, check=True)
    assert json.loads(out.stdout)["n"] == 7
    expected = to_uint8(tile(decode_grid(tiny.fast, 7, 2.0).reshape(-1, 28, 28), 7))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "g.png")), expected)


def test_reconstruct_writes_pngs_and_json(store_root, tiny, tmp_path, mnist):
    from vae_core.preprocess import load_digit

    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        Image.fromarray((mnist.x_test[i, ..., 0] * 255).astype(np.uint8)).resize((112, 112)).save(src / f"d{i}.png")
    out = cli("reconstruct", src / "d0.png", src / "d1.png", "--out", tmp_path / "out", "--model", "tiny",
              env_root=store_root, check=True)
    rows = [json.loads(line) for line in out.stdout.strip().splitlines()]
    assert [r["file"] for r in rows] == [str(src / "d0.png"), str(src / "d1.png")]
    for i, row in enumerate(rows):
        digit = load_digit(src / f"d{i}.png")
        mean, _ = tiny.fast.encode(digit[None])
        np.testing.assert_allclose(row["z_mean"], mean[0], atol=1e-5)
        assert row["negative_elbo"] > 0
        for kind in ("input", "reconstruction"):
            image = Image.open(tmp_path / "out" / f"d{i}.{kind}.png")
            assert image.size == (28, 28) and image.mode == "L"


def test_evaluate_writes_metrics(store_root, tmp_path):
    import shutil

    shutil.copytree(store_root / "tiny", tmp_path / "tiny")
    out = cli("evaluate", "--model", "tiny", "--k", "2", env_root=tmp_path, check=True)
    metrics = json.loads(out.stdout)
    for key in ("reconstruction_loss", "kl_loss", "negative_elbo", "iwae_bound", "iwae_k", "knn_accuracy"):
        assert key in metrics
    assert metrics["iwae_k"] == 2
    assert metrics["negative_elbo"] == pytest.approx(metrics["reconstruction_loss"] + metrics["kl_loss"])
    assert 0.0 <= metrics["knn_accuracy"] <= 1.0
    assert json.loads((tmp_path / "tiny" / "metrics.json").read_text()) == metrics


def test_train_cli_tiny(tmp_path):
    out = cli("train", "--name", "cli", "--epochs", "1", "--train-limit", "256", "--test-limit", "128",
              "--precision", "mixed_bfloat16", "--no-evaluate", env_root=tmp_path, check=True)
    assert "saved" in out.stderr
    assert (tmp_path / "cli" / "model.keras").is_file()
    assert json.loads((tmp_path / "cli" / "config.json").read_text())["training"]["precision"] == "mixed_bfloat16"


def test_two_trainings_with_the_same_name_one_refuses(tmp_path):
    env = {**os.environ, "VAE_MODELS_DIR": str(tmp_path)}
    args = [sys.executable, "-m", "vae_core", "train", "--name", "same", "--epochs", "2", "--train-limit", "2048",
            "--test-limit", "256", "--no-evaluate"]
    first = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (tmp_path / ".same.lock").exists() and time.time() < deadline:
        time.sleep(0.1)
    second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err[-2000:]
    assert "already being trained" in _one_line_error(second)
    assert store_models(tmp_path) == ["same"]


def store_models(root):
    from vae_core.store import list_models

    return list_models(root)


def test_sigterm_during_training_leaves_nothing(tmp_path):
    import signal

    env = {**os.environ, "VAE_MODELS_DIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "vae_core", "train", "--name", "t", "--epochs", "50",
                                "--train-limit", "4096", "--test-limit", "256", "--no-evaluate"], env=env,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (tmp_path / ".t.lock").exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # inside fit
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []  # no model, no temporary folder, no lock
