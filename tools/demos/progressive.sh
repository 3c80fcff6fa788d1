#!/usr/bin/env bash
# Progressive branch training on SynthFashion's tops, on CPU: set up, generate
# the data (once), train configs/progressive/tops/progressive.py (one branch
# added per stage, then everything fine-tuned), test it on the held-out test
# split and predict a few images.
#   bash tools/demo.sh progressive   (WORK_DIR=work_dirs/demo_progressive)
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh" "demo progressive"
CONFIG=configs/progressive/tops/progressive.py
DATA=data/synthfashion_progressive
WORK="${WORK_DIR:-work_dirs/demo_progressive}"

say "SynthFashion in $DATA (generated unless already current)"
"$PY" tools/misc/make_synthfashion.py --out "$DATA" --num-train 1500 \
  --num-val 300 --num-test 800 --size 96 --seed 0 --workers "$(nproc)" --if-changed

say "training $CONFIG (work dir $WORK); the log names each stage"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK"
CKPT="$(cat "$WORK/last_checkpoint")"

say "testing $CKPT on the tops of the held-out test split"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK/test"

say "predictions for 3 test tops"
"$PY" - "$DATA" > "$WORK/demo_images.txt" <<'PYEOF'
import csv, sys
rows = csv.DictReader(open(f'{sys.argv[1]}/test.csv'))
tops = [r['image'] for r in rows if r['category'] in ('t-shirt', 'shirt')]
print('\n'.join(f'{sys.argv[1]}/images/{name}' for name in tops[:3]))
PYEOF
"$PY" demo/image_demo.py "$WORK/demo_images.txt" "$CONFIG" "$CKPT" \
  --out "$WORK/demo_predictions.jsonl"
say "done"
