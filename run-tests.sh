#!/usr/bin/env bash
# Set up (first time), lint, and run every test, the browser tests in headless Chromium included.
# Skipped tests are listed with their reason at the end. Without Chromium (/usr/bin/chromium, or $VAE_CHROMIUM) the
# browser tests are skipped on a developer's machine; in CI (CI=true, as .ci/run sets) they run anyway and fail.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh --dev
export VAE_REQUIRE_DATA=1  # tests that need MNIST fail (not skip) if it is missing
lint=0
echo "== ruff check ."
.venv/bin/ruff check . || lint=$?
flags=(-rs)  # the summary lists every skipped test and why
chromium=${VAE_CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ] || [ "${CI:-}" = true ]; then
  flags+=(--browser)
else
  echo "!! $chromium is missing: the browser tests are skipped (bash scripts/setup.sh --dev as root)" >&2
fi
status=0
.venv/bin/python -m pytest -q "${flags[@]}" "$@" || status=$?
if [ "$lint" != 0 ]; then
  echo "error: ruff check . found problems (above)" >&2
  [ "$status" != 0 ] || status=$lint
fi
exit "$status"
