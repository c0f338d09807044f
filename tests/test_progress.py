"""The progress file `train --progress-file` writes: whole states, history per epoch, how the run ended."""

import pytest

from vae_core import progress
from vae_core.errors import UserError


def test_progress_records_epochs_batches_and_the_end(tmp_path):
    path = tmp_path / ".train-x.json"
    with progress.tracked(path, "x", {"model": {"latent_dim": 2}}, epochs=3) as tracker:
        assert progress.read(path)["state"] == "loading"
        tracker.on_batch(0, 1, 4)  # within BATCH_INTERVAL of the last write: not written yet
        assert progress.read(path)["step"] == 0
        tracker.on_batch(0, 4, 4)  # the epoch's last batch is always written
        assert progress.read(path)["state"] == "training" and progress.read(path)["step"] == 4
        tracker.on_epoch({"epoch": 1, "loss": 5.0, "val_loss": 4.0})
        tracker.on_epoch({"epoch": 2, "loss": 3.0, "val_loss": 2.5})
    value = progress.read(path)
    assert value["state"] == "done" and value["epoch"] == 2
    assert value["history"] == {"loss": [5.0, 3.0], "val_loss": [4.0, 2.5]}
    assert value["settings"] == {"model": {"latent_dim": 2}}


@pytest.mark.parametrize("error,state,message", [
    (KeyboardInterrupt(), "aborted", "aborted: nothing was written"),
    (UserError("Model 'x' is already being trained."), "failed", "Model 'x' is already being trained."),
    (RuntimeError("boom\nsecond line"), "failed", "RuntimeError: boom"),
])
def test_progress_records_how_a_run_failed(tmp_path, error, state, message):
    path = tmp_path / "p.json"
    with pytest.raises(type(error)), progress.tracked(path, "x", {}, epochs=1):
        raise error
    value = progress.read(path)
    assert value["state"] == state and value["message"].startswith(message) and "\n" not in value["message"]


def test_a_missing_or_damaged_progress_file_reads_as_none(tmp_path):
    assert progress.read(tmp_path / "missing.json") is None
    for content in (b"", b"{\"state\": ", b"[1, 2]", b"\xff\xfe"):
        (tmp_path / "bad.json").write_bytes(content)
        assert progress.read(tmp_path / "bad.json") is None
