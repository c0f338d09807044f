"""Who may import whom among the development helpers: bench/ and scripts/ share devtools/ with the tests rather than
importing the tests' private helpers, and the app never imports devtools."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_bench_scripts_and_devtools_never_import_tests():
    paths = [p for folder in ("bench", "scripts", "devtools") for p in (ROOT / folder).rglob("*.py")]
    assert paths
    for path in paths:
        assert "tests" not in _top_level_imports(path), path


def test_the_app_never_imports_devtools():
    paths = [ROOT / "app.py", *[p for folder in ("views", "ui", "vae_core") for p in (ROOT / folder).rglob("*.py")]]
    for path in paths:
        assert "devtools" not in _top_level_imports(path), path


def test_importing_devtools_browser_loads_no_playwright():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, devtools.browser; print('playwright' in sys.modules)"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
