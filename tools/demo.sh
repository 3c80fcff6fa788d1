#!/usr/bin/env bash
# The whole job on the embedded SynthFashion data, on CPU: set up, generate
# the data (once), train the demo config (approach 3, small), calibrate
# thresholds on val, test on the held-out test split, print per-attribute F1
# beside a constant baseline, and predict a few images.
#   bash tools/demo.sh            (WORK_DIR=work_dirs/demo by default)
# DEMO_CONFIG=another config trains that one instead; the run's record
# (per-attribute F1, training time) goes to DEMO_RESULTS
# (default WORK_DIR/results.jsonl; see configs/demo/README.md).
# DEMO_SEED (default 0) seeds the training; the demo config makes the
# result one per seed whatever the machine's core count or the data loader's
# worker count (configs/demo/README.md, "Over seeds").
# Other systems: bash tools/demo.sh SYSTEM runs tools/demos/SYSTEM.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ $# -gt 0 ]; then
  if [ ! -f "tools/demos/$1.sh" ]; then
    echo "unknown demo '$1'; systems: parekh2023 (no argument)" \
      "$(cd tools/demos && ls *.sh | sed 's/\.sh$//' | tr '\n' ' ')" >&2
    exit 2
  fi
  exec bash "tools/demos/$1.sh"
fi
source tools/demos/lib/setup.sh demo
CONFIG="${DEMO_CONFIG:-configs/demo/synthfashion_effv2atto_fpn_cbam.py}"
DATA=data/synthfashion
WORK="${WORK_DIR:-work_dirs/demo}"
SEED="${DEMO_SEED:-0}"
PUBLISHED=configs/demo/results/demo_seeds.jsonl  # the demo over seeds

say "SynthFashion in $DATA (generated unless already current)"
"$PY" tools/misc/make_synthfashion.py --out "$DATA" --num-train 3000 \
  --num-val 500 --num-test 500 --size 128 --seed 0 --workers "$(nproc)" --if-changed

say "training $CONFIG (work dir $WORK)"
T_TRAIN=$SECONDS
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" \
  --cfg-options randomness.seed="$SEED"
TRAIN_SECONDS=$((SECONDS - T_TRAIN))
CKPT="$(cat "$WORK/last_checkpoint")"

say "calibrating per-attribute thresholds on the validation split"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/val" \
  --out "$WORK/val_preds.pkl" --cfg-options test_dataloader.dataset.ann_file=val.csv
"$PY" tools/analysis_tools/calibrate_thresholds.py "$CONFIG" \
  "$WORK/val_preds.pkl" --out "$WORK/thresholds.json"

say "testing $CKPT on the held-out test split"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test" \
  --out "$WORK/test_preds.pkl" \
  --cfg-options test_evaluator.thresholds="$WORK/thresholds.json"

say "per-attribute micro F1 on the test split: model vs constant baseline"
"$PY" tools/analysis_tools/constant_baseline.py "$CONFIG" \
  --preds "$WORK/test_preds.pkl" --thresholds "$WORK/thresholds.json" \
  --results "${DEMO_RESULTS:-$WORK/results.jsonl}" --train-seconds "$TRAIN_SECONDS" \
  --seed "$SEED" \
  $( [ -f "$PUBLISHED" ] && echo --expected "$PUBLISHED" )

say "predictions for 3 test images"
printf '%s\n' "$DATA"/images/test/00000[0-2].jpg > "$WORK/demo_images.txt"
"$PY" demo/image_demo.py "$WORK/demo_images.txt" "$CONFIG" "$CKPT" \
  --thresholds "$WORK/thresholds.json" --out "$WORK/demo_predictions.jsonl"
say "done. Where to look:"
echo "  per-attribute F1 vs the constant baseline: printed above; record in ${DEMO_RESULTS:-$WORK/results.jsonl}"
echo "  test metrics: $WORK/test/*/*.json; predictions for 3 images: $WORK/demo_predictions.jsonl"
echo "  drawings: $PY tools/test.py $CONFIG $CKPT --show-dir $WORK/show"
echo "  other systems' demos: $(cd tools/demos && ls *.sh | sed 's/\.sh$//; s/^/bash tools\/demo.sh /' | paste -sd ',' | sed 's/,/, /g')"
