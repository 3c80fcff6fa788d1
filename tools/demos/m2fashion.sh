#!/usr/bin/env bash
# M2Fashion on SynthFashion in DeepFashion-C's layout, on CPU: set up,
# generate the data (once), train configs/m2fashion/m2fashion_r18_synthfashion.py
# (attribute-guided attention, label masking, triplet loss), test it with
# every attribute state unknown, then with the texture and style attributes
# given (as a seller would fill them in) and the rest predicted; predict a
# few images with demo/m2fashion_demo.py.
#   bash tools/demo.sh m2fashion   (WORK_DIR=work_dirs/demo_m2fashion)
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh" "demo m2fashion"
CONFIG=configs/m2fashion/m2fashion_r18_synthfashion.py
DATA=data/synthfashion_deepfashion_c
WORK="${WORK_DIR:-work_dirs/demo_m2fashion}"

say "SynthFashion in DeepFashion-C's layout in $DATA (generated unless current)"
"$PY" tools/misc/make_synthfashion.py --out "$DATA" --num-train 1500 \
  --num-val 300 --num-test 800 --size 96 --seed 0 --workers "$(nproc)" \
  --deepfashion-c --if-changed

say "training $CONFIG (work dir $WORK)"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK"
CKPT="$(cat "$WORK/last_checkpoint")"

say "test: category top-k accuracy, attribute top-k recall, nothing given"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test"

say "test: texture (1) and style (5) attributes given, the others predicted"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test_given" \
  --cfg-options "test_dataloader.dataset.pipeline.2.known_types=[1,5]"
say "predict: 3 test images, a seller says they are solid; category and other attributes predicted"
mapfile -t IMAGES < <(ls "$DATA"/images/test/*.jpg | head -3)
"$PY" demo/m2fashion_demo.py "${IMAGES[@]}" --config "$CONFIG" \
  --checkpoint "$CKPT" --known "pattern solid=1" --out "$WORK/predictions.jsonl"
say "done"
