#!/usr/bin/env bash
# Multi-GPU / multi-node training with torchrun (CPU-only machines: gloo,
# one process per "GPU" argument):
#   bash tools/dist_train.sh CONFIG GPUS [train.py args]
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=host0 bash tools/dist_train.sh CONFIG 8
# Interpreter: $PYTHON, else the active virtual environment's, else the
# repository's .venv, else python3.
set -euo pipefail
CONFIG=$1
GPUS=$2
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$TOOLS/dist_env.sh"
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
