#!/usr/bin/env bash
# Set up .venv if needed (tools/install.sh), then run the test suite.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
echo "[run_tests] .venv/bin/python -m pytest tests $*"
exec "$ROOT/.venv/bin/python" -m pytest tests "$@"
