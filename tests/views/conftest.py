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
