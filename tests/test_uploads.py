"""ui.uploads.preprocessed: an empty file or one over the limit is refused by its length, before hashing or caching.

(That a good file is decoded once per content is tests/views/test_reconstructions.py's.)"""

from __future__ import annotations

import pytest

import ui.uploads
from vae_core.preprocess import MAX_BYTES


@pytest.mark.parametrize("raw,expected", [(b"", "empty (0 bytes)"),
                                          (b"\x89PNG" + b"\0" * MAX_BYTES, "the limit is 10 MiB")])
def test_a_file_refused_by_its_size_is_never_hashed_or_cached(monkeypatch, raw, expected):
    monkeypatch.setattr(ui.uploads, "_preprocessed", lambda *a: pytest.fail("hashed and cached"))
    image, problem = ui.uploads.preprocessed(raw, "big.png")
    assert image is None and expected in problem and "\n" not in problem

