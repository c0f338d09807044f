"""Pages that loop over the store's models stop at ui.family.PAGE_MODELS and say so in one line."""

import pytest

from tests.views.conftest import open_page
from tests.views.test_representations import small  # noqa: F401 (fixture)
from ui import family as F


def _store(root, names):
    for name in names:
        (root / name).mkdir()
        (root / name / "model.keras").write_bytes(b"")


@pytest.mark.parametrize(("count", "shown", "note"), [
    (3, ["default", "a00", "a01"], None),
    (F.PAGE_MODELS, ["default", *(f"a{i:02d}" for i in range(F.PAGE_MODELS - 1))], None),
    (F.PAGE_MODELS + 5, ["default", *(f"a{i:02d}" for i in range(F.PAGE_MODELS - 1))],
     f"Showing the first {F.PAGE_MODELS} of {F.PAGE_MODELS + 5} models"),
])
def test_page_models_takes_the_first_in_list_order(tmp_path, monkeypatch, count, shown, note):
    monkeypatch.setenv("VAE_MODELS_DIR", str(tmp_path))
    _store(tmp_path, [f"a{i:02d}" for i in range(count - 1)][::-1] + ["default"])
    names, more = F.page_models()
    assert names == shown
    assert more == note if note is None else more.startswith(note) and "\n" not in more


def test_representations_loops_over_the_page_models_only(small, app, monkeypatch):  # noqa: F811
    monkeypatch.setattr(F, "PAGE_MODELS", 2)
    open_page(app, "representations")
    rates = app.dataframe[1].value
    assert sorted(rates["model"]) == ["tiny", "tiny3"]  # the store's first two of three
    assert any(c.value.startswith("Showing the first 2 of 3 models") for c in app.caption)
