import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT


@pytest.fixture()
def app(models_env, mnist):
    """The whole app (app.py + navigation) on the tiny models, with `tiny` selected."""
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def job_store(tmp_path, monkeypatch, mnist):
    """An empty model store, and no training job left behind (killed and forgotten) whatever the test did."""
    from ui import training_job as jobs

    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    jobs._job = None
    yield tmp_path
    job = jobs._job
    if job is not None and job.process is not None and job.process.poll() is None:
        job.process.kill()
        job.process.wait(timeout=30)
    jobs._job = None
