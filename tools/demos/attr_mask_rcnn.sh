#!/usr/bin/env bash
# Attribute Mask R-CNN on SynthFashion's garments, on CPU: set up, generate
# the data with per-garment instances (once), train
# configs/attr_mask_rcnn/attr-mask-rcnn_r18_fpn_synthfashion.py, test it
# (Fashionpedia's AP with IoU and attribute F1, plain AP, attribute F1),
# re-evaluate the written results file with eval_fashionpedia.py, test again
# on the test split written as Kaggle iMaterialist-2020 files and converted
# back (the same figures), and detect the garments of a few test images
# (JSON + drawn images).
#   bash tools/demo.sh attr_mask_rcnn   (WORK_DIR=work_dirs/demo_attr_mask_rcnn)
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh" "demo attr_mask_rcnn"
CONFIG=configs/attr_mask_rcnn/attr-mask-rcnn_r18_fpn_synthfashion.py
DATA=data/synthfashion_instances
WORK="${WORK_DIR:-work_dirs/demo_attr_mask_rcnn}"

say "SynthFashion with garment instances in $DATA (generated unless current)"
"$PY" tools/misc/make_synthfashion.py --out "$DATA" --num-train 800 \
  --num-val 100 --num-test 200 --size 128 --seed 0 --workers "$(nproc)" \
  --instances --if-changed

say "training $CONFIG (work dir $WORK)"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK"
CKPT="$(cat "$WORK/last_checkpoint")"

say "testing on the held-out test split; results file $WORK/test.attr.json"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test" \
  --cfg-options "test_evaluator.outfile_prefix=$WORK/test"

say "the same results file scored by the stand-alone evaluator"
"$PY" tools/analysis_tools/eval_fashionpedia.py "$DATA/instances_test.json" \
  "$WORK/test.attr.json" --attr-categories all \
  --out-json "$WORK/test_summary.json"

say "round trip: test split -> Kaggle iMaterialist-2020 CSV -> COCO JSON"
KAGGLE="$(realpath -m "$WORK/imaterialist_test")"
"$PY" tools/dataset_converters/coco_to_imaterialist2020.py \
  "$DATA/instances_test.json" --out-dir "$KAGGLE"
"$PY" tools/dataset_converters/imaterialist2020_to_coco.py \
  "$KAGGLE/train.csv" "$KAGGLE/label_descriptions.json" \
  --img-dir "$DATA/images" --out "$KAGGLE/instances_test.json"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test_round_trip" \
  --cfg-options "test_dataloader.dataset.ann_file=$KAGGLE/instances_test.json" \
  "test_evaluator.ann_file=$KAGGLE/instances_test.json"

say "garments of 3 test images: $WORK/detections.json, drawn in $WORK/show"
ls "$DATA"/images/test/*.jpg | head -3 > "$WORK/demo_images.txt"
"$PY" demo/det_demo.py "$WORK/demo_images.txt" "$CONFIG" "$CKPT" \
  --out "$WORK/detections.json" --show-dir "$WORK/show"
say "done"
