#!/usr/bin/env bash
# Build an mmcv wheel with its compiled CPU ops from the sdist, faster than a plain
# `pip wheel` and with the same code generated (called by tools/install.sh).
#
#   bash tools/install_steps/build_mmcv_wheel.sh VENV_PYTHON MMCV_VERSION OUT_DIR [NINJA_LOG]
#
# NINJA_LOG: where to copy ninja's log of per-unit compile times (benchmarks).
#
# What makes a cold build slow (benchmarks/mmcv_build.py, 2026-11-29, gcc 12, 2 cores,
# torch 2.14.1; raw figures in benchmarks/results/install_2026-11-29.txt): 77 C++ units,
# each parsing torch's headers (5.7 s a unit without debug info) and, with the -g that
# Python's own CFLAGS carry, writing debug info for all their templates (a third of
# each unit's time, much larger objects, a slower link). Two changes, neither touching
# what is compiled or how it is optimised (whole build 437 s -> 149 s):
#   1. CFLAGS = Python's CFLAGS minus -g. setuptools *replaces* Python's CFLAGS with
#      $CFLAGS (a bare CFLAGS=-g0 would silently drop -O3 and -DNDEBUG), so all the
#      other flags are passed on unchanged.
#   2. A precompiled header for common/pytorch_cpp_helper.hpp, the first include of
#      63 of the 77 units, built with those same flags beside the header, where gcc
#      finds it by itself (gcc falls back to the text header if flags differ).
# Progress (units done / total) is printed while compiling; the full log is kept
# when the build fails.
set -euo pipefail
PY="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; MMCV="$2"; OUT="$3"; NINJA_LOG="${4:-}"
T0=$SECONDS
TMP="$(mktemp -d)"
LOG="$TMP/build.log"
trap 'echo "[build mmcv] failed; full log: $LOG" >&2' ERR

"$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
  "mmcv==$MMCV" -d "$TMP"
tar -xzf "$TMP/mmcv-$MMCV.tar.gz" -C "$TMP"
SRC="$TMP/mmcv-$MMCV"
# torch >= 2.10 headers need C++20; mmcv 2.1.0 asks for C++17.
sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"

CFLAGS="$("$PY" -c 'import sysconfig
print(" ".join(f for f in sysconfig.get_config_var("CFLAGS").split() if f != "-g"))')"
export CFLAGS
# The include paths and definitions that torch's BuildExtension gives every unit.
mapfile -t INCLUDES < <("$PY" -c 'import sys, sysconfig
from torch.utils.cpp_extension import include_paths
for p in include_paths() + [sys.prefix + "/include", sysconfig.get_paths()["include"]]:
    print("-I" + p)')
HDR="$SRC/mmcv/ops/csrc/common/pytorch_cpp_helper.hpp"
echo "[build mmcv] precompiling $(basename "$HDR") (CFLAGS: $CFLAGS)"
# shellcheck disable=SC2086
c++ $CFLAGS -fPIC -I"$(dirname "$HDR")" "${INCLUDES[@]}" -x c++-header "$HDR" \
  -o "$HDR.gch" -std=c++20 -DTORCH_API_INCLUDE_EXTENSION_H -DTORCH_EXTENSION_NAME=_ext \
  -w >>"$LOG" 2>&1

TOTAL="$(find "$SRC/mmcv/ops/csrc/pytorch" -maxdepth 2 -name '*.cpp' \
  -not -path '*/cuda/*' -not -path '*/mlu/*' -not -path '*/mps/*' -not -path '*/npu/*' | wc -l)"
echo "[build mmcv] compiling $TOTAL units with ${MAX_JOBS:-$(nproc)} jobs (log: $LOG)"
# ninja prints "[done/total] c++ ... -c <file>"; show the count and the unit's name.
(cd "$SRC" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
  "$PY" -m pip wheel -v --disable-pip-version-check --no-deps --no-build-isolation \
  . -w "$TMP/out" 2>&1) | tee -a "$LOG" \
  | sed -nu 's|^ *\[\([0-9]*/[0-9]*\)\] .* -c \([^ ]*/\)\{0,1\}\([^ /]*\.cpp\) .*|\1 \3|p' \
  | while read -r count unit; do
      echo "[build mmcv $((SECONDS - T0))s] $count $unit"
    done
[ -n "$NINJA_LOG" ] && cp "$SRC"/build/temp*/.ninja_log "$NINJA_LOG"
mkdir -p "$OUT"
mv "$TMP"/out/mmcv-*.whl "$OUT/"   # moved only once complete: no half-written cache
echo "[build mmcv] wheel built in $((SECONDS - T0)) s"
rm -rf "$TMP"
