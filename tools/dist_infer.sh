#!/usr/bin/env bash
# Catalogue inference on several GPUs / nodes (CPU-only machines: gloo):
#   bash tools/dist_infer.sh CONFIG CHECKPOINT GPUS [infer_catalog.py args]
# Same launcher as tools/dist_test.sh, running tools/infer_catalog.py.
TOOL=infer_catalog.py exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_test.sh" "$@"
