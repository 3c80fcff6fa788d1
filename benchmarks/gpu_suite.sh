#!/usr/bin/env bash
# The prepared GPU run (issue: one short script on a lent machine).
#
#   bash benchmarks/gpu_suite.sh --prepare     # here: wheels for the GPU machine into .gpu_wheels/
#   bash benchmarks/gpu_suite.sh [OUT_DIR]     # there (device run, carry .gpu_wheels): install, run
#   bash benchmarks/gpu_suite.sh --dry-run     # anywhere: the CPU dry run (what CI runs)
#
# The GPU machine has torch 2.11 on Python 3.12 and no package registry: --prepare
# downloads, on this machine, Python 3.12 wheels of what the suite needs beyond torch
# (the OpenMMLab stack, onnx / onnxruntime-gpu) and mmcv's sdist; there they are
# installed with --no-index and mmcv is compiled by tools/install_steps/
# build_mmcv_wheel.sh (16 cores). Then benchmarks/gpu_suite.py writes
# OUT_DIR/gpu_suite.json (default $OUT, the device tool's output folder). Budget:
# about 8 minutes (install ~2-3 min, suite ~5 min).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHEELS="$ROOT/.gpu_wheels"
REQ="$ROOT/requirements"
pin() { grep -h "^$1==" "$REQ"/*.txt | head -n 1 | cut -d= -f3; }

case "${1:-}" in
  --dry-run)
    exec "$ROOT/.venv/bin/python" "$ROOT/benchmarks/gpu_suite.py" --dry-run \
      --out "${2:-gpu_suite_dry_run.json}" ;;
  --prepare)
    mkdir -p "$WHEELS"
    grep -qx '/.gpu_wheels/' "$ROOT/.git/info/exclude" 2>/dev/null \
      || echo '/.gpu_wheels/' >>"$ROOT/.git/info/exclude"
    # what the suite imports beyond torch, with their dependencies, at the
    # versions this venv resolved, less what the GPU machine's image already
    # holds (the device tool's KINDS.md lists it; the carried tree must stay
    # under 64 MiB): torch, CUDA libraries, numpy, scipy, matplotlib,
    # opencv-python-headless (for opencv-python), onnx, onnxruntime, ...;
    # setuptools is carried: mmcv's build and mmpretrain need its pkg_resources (< 81)
    "$ROOT/.venv/bin/python" - "$WHEELS/needed.txt" <<'PYEOF'
import re, sys
from importlib.metadata import distribution, PackageNotFoundError
from packaging.requirements import Requirement
skip = re.compile(
    r'^(torch|torchvision|torchaudio|triton|nvidia-.*|cuda-.*|numpy|scipy|'
    r'matplotlib|contourpy|cycler|fonttools|kiwisolver|pyparsing|'
    r'python-dateutil|six|pillow|pyyaml|rich|markdown-it-py|mdurl|pygments|'
    r'packaging|onnx|onnx-ir|onnxscript|onnxruntime|protobuf|ml-dtypes|'
    r'sympy|mpmath|typing-extensions|wheel|ninja|tqdm|einops|'
    r'click|zipp|opencv-python|flatbuffers|markdown|'
    r'requests|regex|tabulate|timm|safetensors|huggingface-hub)$')
roots = ['mmengine', 'mmdet', 'mmpretrain', 'onnx', 'onnxscript',
         'onnxruntime', 'pycocotools', 'matplotlib', 'numpy', 'Pillow',
         'ninja', 'setuptools', 'wheel']
seen, todo = {}, list(roots)
while todo:
    name = todo.pop()
    key = name.lower().replace('_', '-')
    if key in seen or skip.match(key):
        continue
    try:
        dist = distribution(name)
    except PackageNotFoundError:
        continue
    seen[key] = dist.version
    for req in dist.requires or []:
        r = Requirement(req)
        if r.marker is None or r.marker.evaluate({'extra': ''}):
            todo.append(r.name)
with open(sys.argv[1], 'w') as f:
    for key, version in sorted(seen.items()):
        f.write(f'{key}=={version}\n')
PYEOF
    while read -r req; do
      "$ROOT/.venv/bin/python" -m pip download --disable-pip-version-check -q \
        --no-deps -d "$WHEELS" --python-version 3.12 --only-binary :all: \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux_2_28_x86_64 --platform any "$req" \
        || "$ROOT/.venv/bin/python" -m pip download --disable-pip-version-check \
          -q --no-deps -d "$WHEELS" --python-version 3.12 --only-binary :all: \
          --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
          --platform any "${req%%==*}" \
        || echo "[gpu_suite] no Python 3.12 wheel for $req"
    done <"$WHEELS/needed.txt"
    "$ROOT/.venv/bin/python" -m pip download --disable-pip-version-check -q \
      --no-deps --no-binary :all: "mmcv==$(pin mmcv)" -d "$WHEELS"
    du -sh "$WHEELS"; exit 0 ;;  # carry it: device run carry=['.gpu_wheels']
esac

OUT_DIR="${1:-${OUT:-.}}"
T0=$SECONDS
PY="$(command -v python3)"
# everything but torch (kept as the machine has it) and mmcv (built below)
"$PY" -m pip install -q --no-index --find-links "$WHEELS" --no-deps \
  "$WHEELS"/*.whl
# mmpretrain 1.2 imports its multimodal models whenever transformers >= 4.28 is
# installed, and they fail on transformers 5 (the GPU image's); the suite uses none
"$PY" -m pip uninstall -q -y transformers 2>/dev/null || true
echo "[gpu_suite $((SECONDS - T0))s] installed the wheels"
if ! "$PY" -c 'import mmcv.ops' 2>/dev/null; then
  mkdir -p /tmp/mmcv_wheel
  # CPU ops only (CUDA hidden): the suite uses no mmcv op on the GPU, and
  # compiling mmcv's CUDA kernels with nvcc would take most of the lease
  CUDA_VISIBLE_DEVICES= FORCE_CUDA=0 \
  PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELS" MAX_JOBS="$(nproc)" \
    bash "$ROOT/tools/install_steps/build_mmcv_wheel.sh" "$PY" "$(pin mmcv)" /tmp/mmcv_wheel
  "$PY" -m pip install -q --no-deps /tmp/mmcv_wheel/mmcv-*.whl
fi
echo "[gpu_suite $((SECONDS - T0))s] mmcv ready"
cd "$ROOT"
PYTHONPATH="$ROOT" PYTHONUNBUFFERED=1 "$PY" benchmarks/gpu_suite.py \
  --out "$OUT_DIR/gpu_suite.json"
echo "[gpu_suite $((SECONDS - T0))s] done: $OUT_DIR/gpu_suite.json"
