#!/usr/bin/env bash
# Set up .venv if needed (tools/install.sh), then run the test suite and list
# its 20 slowest tests (the suite should stay under 10 minutes on 2 cores).
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
echo "[run_tests] .venv/bin/python -m pytest tests --durations=20 $*"
exec "$ROOT/.venv/bin/python" -m pytest tests --durations=20 "$@"
