"""Architecture boundaries (STYLE.md): vae_core never imports streamlit; views never import keras or tensorflow;
bench/ and scripts/ share devtools/ with the tests rather than importing the tests' private helpers, and the app
never imports devtools."""

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


def test_bench_scripts_and_devtools_never_import_tests():
    paths = [p for folder in ("bench", "scripts", "devtools") for p in (ROOT / folder).rglob("*.py")]
    assert paths
    for path in paths:
        assert "tests" not in _imports(path), path


def test_the_app_never_imports_devtools():
    paths = [ROOT / "app.py", *[p for folder in ("views", "ui", "vae_core") for p in (ROOT / folder).rglob("*.py")]]
    for path in paths:
        assert "devtools" not in _imports(path), path


def test_importing_devtools_browser_loads_no_playwright():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, devtools.browser; print('playwright' in sys.modules)"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
