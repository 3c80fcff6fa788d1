#!/bin/bash
# usage: parity.sh NAME BACKEND FILE [max]
cd /work/main; source .venv/bin/activate
while test -e /work/logs/IDLE_NEEDED; do sleep 20; done
DATA=data/synthfashion_parity224
OPT="train_dataloader.dataset.data_root=$DATA/ val_dataloader.dataset.data_root=$DATA/ test_dataloader.dataset.data_root=$DATA/ test_dataloader.dataset.ann_file=test.csv model.head.schema_file=$DATA/schema.json"
M=${4:-100}
python tools/analysis_tools/backend_parity.py /work/parity/lite0_export.py /work/parity/lite0_noisy1200.pth --backend $2 --model $3 --split test --max-images $M --backend-threads 2 --out /tmp/q/$1_$M.json --cfg-options $OPT 2>&1 | grep -v mmengine > /tmp/q/$1_$M.txt
echo "== $1 ($M images): $(grep 'max |F1' /tmp/q/$1_$M.txt)"
