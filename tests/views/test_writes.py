"""The app writes nothing outside the model store and the MNIST cache (README: Limits and safety)."""

import os

from tests.conftest import PROJECT
from tests.views.conftest import open_page

SKIP = {".venv", ".git", "artifacts", ".pytest_cache", ".ruff_cache", "__pycache__", "models"}


def _snapshot():
    files = {}
    for dirpath, dirnames, filenames in os.walk(PROJECT):
        dirnames[:] = [d for d in dirnames if d not in SKIP]
        for name in filenames:
            path = os.path.join(dirpath, name)
            stat = os.stat(path)
            files[path] = (stat.st_size, stat.st_mtime_ns)
    return files


def test_visiting_every_page_writes_only_inside_the_model_store(app, store_root):
    before = _snapshot()
    store_before = {p for p in store_root.rglob("*")}
    for page in ("explorer", "training", "projections", "reconstructions", "samples"):
        open_page(app, page)
    assert _snapshot() == before
    written = {p for p in store_root.rglob("*")} - store_before
    assert all(store_root in p.parents for p in written)
    assert all("cache" in p.parts for p in written if p.is_file())
