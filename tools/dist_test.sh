#!/usr/bin/env bash
# Multi-GPU testing with torchrun (CPU-only machines: gloo):
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# Interpreter: as tools/dist_train.sh. TOOL=infer_catalog.py runs that
# tool instead (tools/dist_infer.sh).
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$TOOLS/dist_env.sh"
NPROC=$3
run_torchrun "$TOOLS/${TOOL:-test.py}" "$CONFIG" "$CHECKPOINT" \
  --launcher pytorch "${@:4}"
