"""Tune one threshold per multi-label attribute on validation predictions.

    python tools/test.py CONFIG CKPT --out val_preds.pkl \
        --cfg-options test_dataloader.dataset.ann_file=val.csv
    python tools/analysis_tools/calibrate_thresholds.py CONFIG val_preds.pkl \
        --out thresholds.json [--default 0.5]

The output file is accepted by `AttributeF1(thresholds=...)` (e.g.
`tools/test.py ... --cfg-options test_evaluator.thresholds=thresholds.json`)
and by `demo/image_demo.py --thresholds thresholds.json`.
"""
import argparse
import json

import mmengine
from mmengine.config import Config
from mmpretrain.registry import DATASETS

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.threshold_calibration import (
    calibrate, stack_predictions)
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('preds', help='pickle from tools/test.py --out')
    parser.add_argument('--out', required=True, help='thresholds JSON')
    parser.add_argument('--default', type=float, default=0.5)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    dataset_cfg = dict(cfg.val_dataloader.dataset, lazy_init=True,
                       pipeline=[])
    tasks = DATASETS.build(dataset_cfg).metainfo['tasks']
    scores, gts, masks = stack_predictions(mmengine.load(args.preds))
    result = calibrate(scores, gts, masks, tasks, default=args.default)
    with open(args.out, 'w') as f:
        json.dump(dict(thresholds={k: v['threshold']
                                   for k, v in result.items()},
                       details=result, default=args.default), f, indent=1)
    print(f'{"attribute":<16} {"threshold":>9} {"F1@default":>10} '
          f'{"F1@tuned":>9} {"gain":>7}')
    for name, r in result.items():
        print(f'{name:<16} {r["threshold"]:>9.2f} {r["f1_default"]:>10.4f} '
              f'{r["f1_calibrated"]:>9.4f} '
              f'{r["f1_calibrated"] - r["f1_default"]:>+7.4f}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    run_main(main)
