#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, browser tests included when Chromium is there.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh --dev
export VAE_REQUIRE_DATA=1  # tests that need MNIST fail (not skip) if it is missing
flags=()
[ -x /usr/bin/chromium ] && flags+=(--browser)
exec .venv/bin/python -m pytest -q "${flags[@]}" "$@"
