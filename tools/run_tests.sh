#!/usr/bin/env bash
# Set up .venv if needed (tools/install.sh) and the test browser
# (tools/install_steps/browser.sh), then run the test suite in
# TEST_WORKERS processes (pytest-xdist, default 2, one test file per process,
# one torch thread each) and list its 20 slowest tests (the suite should
# stay under 10 minutes on 2 cores).
#   bash tools/run_tests.sh [pytest args]      (TEST_WORKERS=0: one process)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
# the review page's browser test: chromium + chromedriver (apt-get, as root)
bash "$ROOT/tools/install_steps/browser.sh"
cd "$ROOT"
ARGS=(tests --durations=20 -n "${TEST_WORKERS:-2}" --dist loadfile)
if [ "${TEST_WORKERS:-2}" != 0 ]; then  # the workers share the cores
  export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
fi
echo "[run_tests] OMP_NUM_THREADS=${OMP_NUM_THREADS:-} .venv/bin/python -m pytest ${ARGS[*]} $*"
exec "$ROOT/.venv/bin/python" -m pytest "${ARGS[@]}" "$@"
