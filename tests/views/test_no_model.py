"""With an empty model store the app explains how to train, links the Train page, and its quick-model button
starts the quick run there (a separate process); when it is saved the app finds the model."""

import dataclasses
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from ui import training_job as jobs


@pytest.fixture()
def empty_store(job_store, monkeypatch):
    monkeypatch.setattr(jobs, "QUICK", dataclasses.replace(
        jobs.QUICK, train=dataclasses.replace(jobs.QUICK.train, epochs=1, train_limit=256, test_limit=128)))
    return job_store


def test_no_model_page_starts_a_quick_model_on_the_train_page(empty_store):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert at.title[0].value == "No model yet"
    assert any("python -m vae_core train --name default" in m.value for m in at.markdown)
    [quick] = [b for b in at.button if b.label == "Train a quick model"]
    quick.click()
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Train a model"  # switched to the Train page, which watches the run
    job = jobs.current()
    assert job is not None and job.settings.name == "quick" and job.settings.train.epochs == 1

    deadline = time.time() + 300
    while jobs.status(job).running and time.time() < deadline:
        time.sleep(0.5)
    status = jobs.status(job)
    assert status.state == "done", (status, job.log_path.read_text()[-2000:])
    assert (empty_store / "quick" / "model.keras").is_file()
    at.run()
    assert not at.exception, at.exception
    assert any("Finished" in s.value and "'quick'" in s.value for s in at.success)
    assert at.sidebar.selectbox[0].value == "quick"  # the app found the model: the model picker is back
