#!/usr/bin/env bash
# Cold and warm `tools/install.sh` on fresh clones, ours beside a reference
# commit's installer, then the test suite on the warm clone, in one run.
#
#   bash benchmarks/cold_install.sh [REFERENCE_COMMIT] [OUT_DIR]
#
# REFERENCE_COMMIT defaults to 8293303 (the installer before the mmcv build
# step, 2026-11-29). Each cold install gets an empty mmcv wheel cache
# (MMFA_CACHE) and no pip cache (PIP_NO_CACHE_DIR=1: packages are downloaded
# as on a new machine; torch comes from this machine's local wheels either
# way). The warm install is a second fresh clone of ours reusing ours' wheel
# cache, as CI does. Prints one table; logs and both mmcv wheels stay in
# OUT_DIR (default: a temporary folder) for benchmarks/mmcv_ops_cpu.py.
# Takes about 25 minutes on 2 cores; run it on an otherwise idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="${1:-8293303}"
OUT="${2:-$(mktemp -d)}"
mkdir -p "$OUT"
export PIP_NO_CACHE_DIR=1
RESULTS=()

timed() {  # name, clone dir, cache dir, command...
  local name="$1" dir="$2" cache="$3"; shift 3
  local t0=$SECONDS
  (cd "$dir" && MMFA_CACHE="$cache" "$@") >"$OUT/$name.log" 2>&1
  RESULTS+=("$name|$((SECONDS - t0))")
  echo "[cold_install] $name: $((SECONDS - t0)) s (log: $OUT/$name.log)"
}

git clone -q "$ROOT" "$OUT/ours"
git clone -q "$ROOT" "$OUT/reference" && git -C "$OUT/reference" checkout -q "$REF"
git clone -q "$ROOT" "$OUT/ours_warm"
echo "[cold_install] ours: $(git -C "$OUT/ours" rev-parse --short HEAD), reference: $REF"

timed reference_cold "$OUT/reference" "$OUT/reference_cache" bash tools/install.sh
timed ours_cold "$OUT/ours" "$OUT/ours_cache" bash tools/install.sh
timed ours_warm "$OUT/ours_warm" "$OUT/ours_cache" bash tools/install.sh
timed ours_tests "$OUT/ours_warm" "$OUT/ours_cache" \
  bash tools/run_tests.sh -q -p no:cacheprovider

echo
echo "| step | seconds | minutes |"
echo "| --- | --- | --- |"
for r in "${RESULTS[@]}"; do
  s="${r#*|}"
  printf '| %s | %s | %d min %02d s |\n' "${r%%|*}" "$s" $((s / 60)) $((s % 60))
done
grep -h "passed\|failed" "$OUT/ours_tests.log" | tail -1
echo "mmcv wheels: $(ls "$OUT"/reference_cache/wheels/*/*.whl) $(ls "$OUT"/ours_cache/wheels/*/*.whl)"
