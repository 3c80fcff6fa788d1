"""Tune one threshold per multi-label attribute on validation predictions.

    python tools/test.py CONFIG CKPT --out val_preds.pkl \
        --cfg-options test_dataloader.dataset.ann_file=val.csv
    python tools/analysis_tools/calibrate_thresholds.py CONFIG val_preds.pkl \
        --out thresholds.json [--default 0.5] \
        [--target-precision 0.95 [--confidence 0.95]]

The output file is accepted by `AttributeF1(thresholds=...)` (e.g.
`tools/test.py ... --cfg-options test_evaluator.thresholds=thresholds.json`)
and by `demo/image_demo.py --thresholds thresholds.json`.

--target-precision P also picks, per attribute value, an auto-accept
threshold: the lowest score at which the validation precision of the
predicted value (multi-label: its own score, at or above the attribute's
threshold; single-label: the top score) has a one-sided Wilson lower bound
at --confidence of at least P. They go to the file's "auto_accept" section
(the F1 thresholds stay as they are), and the inferencer,
tools/infer_catalog.py and demo/image_demo.py given that file mark each
predicted value "decision": "auto" or "review". Values that cannot reach P
get none (always review) and are listed.
"""
import argparse
import json

import mmengine
from mmengine.config import Config
from mmpretrain.registry import DATASETS

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.auto_accept import calibrated_thresholds
from mmfashion_attr.analysis.threshold_calibration import stack_predictions
from mmfashion_attr.evaluation.auto_accept import check_target, wilson_bounds
from mmfashion_attr.utils.cli import run_main


def print_auto_accept(section: dict) -> None:
    conf = section['confidence']
    print(f'\nauto-accept at precision >= {section["target_precision"]:g} '
          f'(one-sided Wilson lower bound, {conf * 100:g} % confidence); '
          'coverage: share of labelled images where the value is '
          'auto-accepted')
    print(f'{"attribute":<16} {"value":<16} {"threshold":>9} '
          f'{"precision":>9} {"lower":>6} {"n":>5} {"coverage":>8}')
    never = []
    for name, d in section['details'].items():
        for value, r in d['values'].items():
            if r['threshold'] is None:
                never.append(f'{name}/{value}')
                continue
            print(f'{name:<16} {value:<16} {r["threshold"]:>9.4f} '
                  f'{r["precision"]:>9.3f} {r["lower_bound"]:>6.3f} '
                  f'{r["n"]:>5} {r["coverage"]:>8.2f}')
        print(f'{name:<16} {"(any value)":<16} {"":>9} {"":>9} {"":>6} '
              f'{d["labelled"]:>5} {d["coverage"]:>8.2f}')
    print(f'always review ({len(never)} values: no threshold reaches the '
          f'target): {", ".join(never) or "none"}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('preds', help='pickle from tools/test.py --out')
    parser.add_argument('--out', required=True, help='thresholds JSON')
    parser.add_argument('--default', type=float, default=0.5)
    parser.add_argument('--target-precision', type=float, default=None,
                        help='also write auto-accept thresholds reaching '
                        'this precision (e.g. 0.95)')
    parser.add_argument('--confidence', type=float, default=0.95,
                        help='of the Wilson lower bound (default 0.95)')
    args = parser.parse_args()
    if args.target_precision is not None:
        check_target(args.target_precision)
        wilson_bounds(1, 1, args.confidence)  # checks the confidence
    cfg = Config.fromfile(args.config)
    dataset_cfg = dict(cfg.val_dataloader.dataset, lazy_init=True,
                       pipeline=[])
    tasks = DATASETS.build(dataset_cfg).metainfo['tasks']
    scores, gts, masks = stack_predictions(mmengine.load(args.preds))
    saved = calibrated_thresholds(scores, gts, masks, tasks,
                                  default=args.default,
                                  target=args.target_precision,
                                  confidence=args.confidence)
    with open(args.out, 'w') as f:
        json.dump(saved, f, indent=1)
    print(f'{"attribute":<16} {"threshold":>9} {"F1@default":>10} '
          f'{"F1@tuned":>9} {"gain":>7}')
    for name, r in saved['details'].items():
        print(f'{name:<16} {r["threshold"]:>9.2f} {r["f1_default"]:>10.4f} '
              f'{r["f1_calibrated"]:>9.4f} '
              f'{r["f1_calibrated"] - r["f1_default"]:>+7.4f}')
    if 'auto_accept' in saved:
        print_auto_accept(saved['auto_accept'])
    print(f'wrote {args.out}')


if __name__ == '__main__':
    run_main(main)
