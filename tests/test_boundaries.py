"""Architecture boundaries (STYLE.md): vae_core never imports streamlit; views never import keras or tensorflow."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    for path in (ROOT / "vae_core").glob("*.py"):
        assert "streamlit" not in _imports(path), path


def test_views_never_import_keras_or_tensorflow():
    for path in (ROOT / "views").glob("*.py"):
        assert not {"keras", "tensorflow"} & _imports(path), path


def test_only_ui_caches():
    """Streamlit caches live in ui/ modules (resources.py and the pages' own data modules), never in views or app.py."""
    for path in [*(ROOT / "views").glob("*.py"), ROOT / "app.py"]:
        assert "st.cache_" not in path.read_text(), path
