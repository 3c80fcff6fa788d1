#!/usr/bin/env bash
# Multi-GPU / multi-node training with torchrun (CPU-only machines: gloo,
# one process per "GPU" argument):
#   bash tools/dist_train.sh CONFIG GPUS [train.py args]
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=host0 bash tools/dist_train.sh CONFIG 8
# Interpreter: $PYTHON, else the active virtual environment's, else the
# repository's .venv, else python3.
set -euo pipefail
CONFIG=$1
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$TOOLS/dist_env.sh"
NPROC=$2
run_torchrun "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
