"""A quick training run in a background thread, with progress the page polls (other pages stay usable)."""

from __future__ import annotations

import threading
import traceback

import streamlit as st

from .resources import training_job

QUICK = {"name": "quick", "epochs": 5, "train_limit": 20000, "test_limit": 2000}


class TrainingJob:
    """One background training run per process; its fields are read by the polling fragment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.progress = 0.0
        self.message = ""
        self.error: str | None = None
        self.done = False

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        with self.lock:
            if self.running():
                return
            self.progress, self.message, self.error, self.done = 0.0, "Loading TensorFlow and MNIST…", None, False
            self.thread = threading.Thread(target=self._run, name="quick-training", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            from vae_core.quiet import import_keras_quietly

            import_keras_quietly()
            from vae_core.config import ModelConfig, TrainConfig
            from vae_core.data import load_mnist
            from vae_core.train import train_and_save

            mnist = load_mnist()
            epochs = QUICK["epochs"]

            def on_batch(epoch: int, step: int, steps: int) -> None:
                self.progress = (epoch + step / steps) / epochs
                self.message = f"epoch {epoch + 1}/{epochs}, batch {step}/{steps}"

            def on_epoch(record: dict) -> None:
                self.message = f"epoch {record['epoch']}/{epochs}: validation loss {record['val_loss']:.1f}"

            recipe = TrainConfig(epochs=epochs, train_limit=QUICK["train_limit"], test_limit=QUICK["test_limit"])
            train_and_save(QUICK["name"], ModelConfig(), recipe, mnist.x_train, mnist.x_test,
                           data_source=mnist.source, on_epoch=on_epoch, on_batch=on_batch, show_progress=False)
            self.progress, self.message = 1.0, "Done."
        except Exception as exc:  # shown to the user on the page; the traceback goes to the server log
            traceback.print_exc()
            self.error = f"Training failed: {exc}"
        finally:
            self.done = True


def quick_training_panel() -> None:
    job = training_job()
    if not job.running() and not job.done:
        if st.button("Train a quick model", type="primary"):
            job.start()
            st.rerun()
        return
    _progress()


@st.fragment(run_every=1.0)
def _progress() -> None:
    job = training_job()
    if job.error:
        st.error(job.error)
        return
    st.progress(min(job.progress, 1.0), text=job.message)
    if job.done:
        st.success("The quick model is ready.")
        if st.button("Open the explorer"):
            st.rerun(scope="app")
