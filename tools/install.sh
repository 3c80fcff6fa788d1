#!/usr/bin/env bash
# Idempotent set-up of .venv/ (repo root) with the known-good OpenMMLab stack and this package.
#
#   bash tools/install.sh            # create or update .venv, then `pip install -e .`
#
# Versions are read from requirements/*.txt (the only place they are written).
# Cold: 233 s on a 2-core machine (2026-11-29; 149 s of it compiling mmcv's ops, see
# tools/install_steps/build_mmcv_wheel.sh; the plain build took 437 s). Warm: seconds
# when .venv is set up, a few minutes for a fresh clone with the mmcv wheel cached.
# The mmcv wheel is cached outside the clone, under
# ${MMFA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmfashion_attr}/wheels/, keyed by Python,
# torch and mmcv versions, so a second clone installs in minutes.
# Environment: PYTHON (interpreter for the venv, default python3.11 or python3),
# MAX_JOBS (compile jobs, default: number of cores), MMFA_CACHE (wheel cache folder).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$ROOT/requirements"
VENV="$ROOT/.venv"
CACHE="${MMFA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmfashion_attr}"
STEP="start"
HINT=""
T0=$SECONDS

say() { echo "[install $((SECONDS - T0))s] $*"; }
on_error() {
  echo "[install] FAILED during: $STEP" >&2
  [ -n "$HINT" ] && echo "[install] hint: $HINT" >&2
  echo "[install] re-run 'bash tools/install.sh' after fixing; finished steps are skipped." >&2
}
trap on_error ERR
step() { STEP="$1"; HINT="${2:-}"; say "$STEP"; }
# Version of package $1 as pinned in requirements/*.txt.
pin() { grep -h "^$1==" "$REQ"/*.txt | head -n 1 | cut -d= -f3; }

stamp_value() { cat "$REQ"/*.txt "$ROOT/setup.py" | sha1sum | cut -d' ' -f1; }
STAMP="$VENV/.mmfashion_attr_stamp"
CHECK='import mmfashion_attr, mmcv.ops, mmdet.models, mmpretrain'

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_value)" ] \
   && "$VENV/bin/python" -c "$CHECK" 2>/dev/null; then
  say "already set up: $VENV (delete it to start again)"
  exit 0
fi

if [ -x "$VENV/bin/python" ]; then
  say "updating $VENV (requirements or setup.py changed): about a minute"
else
  say "cold set-up: 4 min (233 s) measured on a 2-core machine, 2.5 min of it compiling mmcv's ops (skipped when its wheel is cached in $CACHE); slower machines take proportionally longer; progress below"
fi
step "create virtual environment $VENV" "needs Python 3.11 with the venv module (Debian: apt-get install python3-venv)"
if [ ! -x "$VENV/bin/python" ]; then
  PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check)
PYV="$("$VENV/bin/python" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')"

step "install torch $(pin torch), torchvision $(pin torchvision)" \
  "torch is taken from this machine's local wheels or PyPI; check free disk space (about 6 GB)"
"${PIP[@]}" -r "$REQ/torch.txt"

step "install build tools and mmengine $(pin mmengine)" "needs PyPI access"
"${PIP[@]}" -r "$REQ/build.txt" "mmengine==$(pin mmengine)"

MMCV="$(pin mmcv)"
TORCH_V="$("$VENV/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])')"
WHEELS="$CACHE/wheels/mmcv-$MMCV-$PYV-torch$TORCH_V"
if ! "$VENV/bin/python" -c "import mmcv.ops, sys; import mmcv; sys.exit(mmcv.__version__ != '$MMCV')" 2>/dev/null; then
  if ! ls "$WHEELS"/mmcv-*.whl >/dev/null 2>&1; then
    step "build mmcv $MMCV with compiled ops from its sdist (77 C++ units, 2.5 min measured on 2 cores; cached in $WHEELS)" \
      "needs gcc/g++ and the Python headers; set MAX_JOBS=1 if the machine runs out of memory"
    bash "$ROOT/tools/install_steps/build_mmcv_wheel.sh" "$VENV/bin/python" "$MMCV" "$WHEELS"
  else
    say "using cached mmcv wheel from $WHEELS"
  fi
  step "install mmcv $MMCV" "delete $WHEELS to force a rebuild"
  "${PIP[@]}" "$WHEELS"/mmcv-*.whl
fi

step "install mmdet $(pin mmdet), mmpretrain $(pin mmpretrain), test tools, the deploy (onnx), openvino (openvino, nncf), serve (fastapi) and audit (cleanlab) extras and this package (editable)" \
  "needs PyPI access"
"${PIP[@]}" -r "$REQ/mminstall.txt" -r "$REQ/runtime.txt" -r "$REQ/tests.txt" \
  -r "$REQ/deploy.txt" -r "$REQ/openvino.txt" -r "$REQ/mim.txt" \
  -r "$REQ/pretrained.txt" -r "$REQ/serve.txt" -r "$REQ/audit.txt"
"${PIP[@]}" --no-deps -r "$REQ/mim_nodeps.txt"
"${PIP[@]}" --no-build-isolation --no-deps -e "$ROOT"

step "check imports: $CHECK" "the mmcv wheel may not match this torch; delete $WHEELS and re-run"
"$VENV/bin/python" -c "$CHECK"
stamp_value > "$STAMP"
say "done: activate with 'source .venv/bin/activate'"
