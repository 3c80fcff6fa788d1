#!/usr/bin/env bash
# The CPU figures of docs/performance.md, rerun in one go: training
# throughput (Runner beside the plain loop; eager and compiled; loader
# workers and data in memory) and inference (raw model, inferencer, ONNX
# Runtime) for the demo config at 128 px and the paper's
# effv2m_fpn_cbam.py at 380 px, and parsing a 1M-row catalogue CSV. Each
# command's output goes to OUT/<name>.txt under a header (command, UTC
# date, commit, machine).
# About 10 minutes on 2 cores; run it on an otherwise idle machine.
#
#   bash benchmarks/cpu_figures.sh [OUT_DIR [NAME...]]
#   (default: benchmarks/results/cpu_<date>, every benchmark; NAMEs, e.g.
#   train_eager_workers, rerun only those)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NAMES=" train_eager_workers train_eager_in_memory train_compile_workers
  train_compile_in_memory inference_demo_128px inference_effv2m_380px
  catalog_scale_1m_rows "
NAMES="$(echo $NAMES)"
if [ -n "${1:-}" ] && [[ " $NAMES " == *" $1 "* ]]; then
  echo "cpu_figures.sh: give OUT_DIR before the names ($1)" >&2; exit 2
fi
for name in "${@:2}"; do
  [[ " $NAMES " == *" $name "* ]] || {
    echo "cpu_figures.sh: no benchmark $name (one of: $NAMES)" >&2; exit 2; }
done
OUT="${1:-benchmarks/results/cpu_$(date -u +%F)}"
ONLY=" ${*:2} "
mkdir -p "$OUT"
PY=.venv/bin/python
DEMO=configs/demo/synthfashion_effv2atto_fpn_cbam.py
PAPER=configs/effv2m_fpn_cbam.py
MACHINE="$($PY -c 'from mmfashion_attr.utils.run_records import machine; print(machine())')"
COMMIT="$($PY -c 'from mmfashion_attr.utils.run_records import git_commit; print(git_commit())')"

bench() {  # name, command...
  local name="$1"; shift
  [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $name "* ]] || return 0
  local log="$OUT/$name.log" status=0
  echo "# $*" > "$OUT/$name.txt"
  echo "# date: $(date -u +%FT%TZ); commit: $COMMIT; machine: $MACHINE" \
    >> "$OUT/$name.txt"
  "$@" > "$log" 2>&1 || status=$?
  grep -v -e ' - mmengine - ' -e 'Warning' -e 'Inference ━' "$log" \
    >> "$OUT/$name.txt" || true
  echo "# finished: $(date -u +%FT%TZ); exit status $status" >> "$OUT/$name.txt"
  [ "$status" = 0 ] && rm -f "$log"  # kept in full when it failed
  echo "[cpu_figures] $name (exit $status) -> $OUT/$name.txt"
  [ "$status" = 0 ] || FAILED=1
}
FAILED=0

TRAIN=($PY benchmarks/train_throughput.py --config "$DEMO" --channels-last
       --batch-size 16 --iters 40 --reps 3)
bench train_eager_workers "${TRAIN[@]}"
bench train_eager_in_memory "${TRAIN[@]}" --in-memory-data
bench train_compile_workers "${TRAIN[@]}" --compile
bench train_compile_in_memory "${TRAIN[@]}" --compile --in-memory-data
bench inference_demo_128px $PY benchmarks/inference.py --config "$DEMO" \
  --iters 20 --batches 5
bench inference_effv2m_380px $PY benchmarks/inference.py --config "$PAPER" \
  --iters 5 --batches 3 --batch-sizes 32
bench catalog_scale_1m_rows $PY benchmarks/catalog_scale.py --rows 1000000 \
  --skip-images
exit "$FAILED"
