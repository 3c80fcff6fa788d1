# The start every demo shares; source it with the label of its steps:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh" "demo NAME"
# Strict mode, the repository root as working directory, the known-good
# stack installed (tools/install.sh), PY, and say() for timed steps.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
bash tools/install.sh
PY="$ROOT/.venv/bin/python"
DEMO_LABEL="$1"
T0=$SECONDS
say() { echo; echo "[$DEMO_LABEL $((SECONDS - T0))s] $*"; }
