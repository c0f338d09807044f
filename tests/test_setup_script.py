"""run-app.sh and scripts/setup.sh, run in a copy of the repository whose Python and Streamlit only record calls.

pip is upgraded from the network only when the venv is created, never on a later launch; a launch where
Fashion-MNIST cannot be had still starts the app (with a note), and one without MNIST does not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT

# A stand-in interpreter: records its arguments; `-m venv DIR` makes DIR/bin/python and DIR/bin/streamlit (this
# script again); `-m vae_core data [--fashion]` fails when the test says that data set cannot be had.
FAKE = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$CALLS"
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cp "$0" "$3/bin/streamlit"
fi
if [ "$1 $2 $3" = "-m vae_core data" ]; then
  if [ "${4:-}" = "--fashion" ] && [ -n "${NO_FASHION:-}" ]; then echo "error: Fashion-MNIST not found" >&2; exit 1; fi
  if [ -n "${NO_MNIST:-}" ]; then echo "error: MNIST not found" >&2; exit 1; fi
fi
exit 0
"""


@pytest.fixture()
def checkout(tmp_path):
    for name in ("run-app.sh", "scripts/setup.sh", "requirements.txt", "requirements-dev.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT / name, tmp_path / name)
    fake = tmp_path / "fake" / "python3"
    fake.parent.mkdir()
    fake.write_text(FAKE)
    fake.chmod(0o755)
    return tmp_path


def _launch(root: Path, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    calls = root / "calls.log"
    calls.unlink(missing_ok=True)
    env = {"PATH": "/usr/bin:/bin", "PYTHON": str(root / "fake" / "python3"), "CALLS": str(calls), **env}
    result = subprocess.run(["bash", str(root / "run-app.sh"), "--server.port", "8599"], capture_output=True,
                            text=True, timeout=60, env=env)
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_pip_is_upgraded_only_when_the_venv_is_made(checkout):
    first, calls = _launch(checkout)
    assert first.returncode == 0, first.stderr
    assert calls[:2] == ["python3 -m venv .venv", "python -m pip install -q --upgrade pip"]
    assert calls[-1] == "streamlit run app.py --server.port 8599"  # the app starts, with the arguments passed on
    again, calls = _launch(checkout)
    assert again.returncode == 0, again.stderr
    assert not [c for c in calls if "--upgrade" in c or "venv" in c], calls
    assert "python -m pip install -q -r requirements.txt" in calls
    assert calls[-1] == "streamlit run app.py --server.port 8599"


def test_the_app_starts_without_fashion_mnist_but_not_without_mnist(checkout):
    result, calls = _launch(checkout, NO_FASHION="1")
    assert result.returncode == 0, result.stderr
    assert "python -m vae_core data --fashion" in calls and calls[-1].startswith("streamlit run app.py")
    assert "!! Fashion-MNIST is not available" in result.stderr
    result, calls = _launch(checkout, NO_MNIST="1")
    assert result.returncode != 0 and "MNIST not found" in result.stderr
    assert not [c for c in calls if c.startswith("streamlit")]
