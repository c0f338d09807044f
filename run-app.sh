#!/usr/bin/env bash
# Set up (first time) and start the explorer on the shipped model: http://localhost:8501
# The server listens on this machine only (127.0.0.1, .streamlit/config.toml). To let other machines in, say so:
#   ./run-app.sh --server.address 0.0.0.0      (any arguments go on to `streamlit run`)
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
