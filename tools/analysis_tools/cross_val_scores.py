"""Out-of-fold scores of a config's training split, for the label audit.

    python tools/analysis_tools/cross_val_scores.py CONFIG --folds K
        --work-dir DIR [--heads config|linear] [--seed 0] [--no-validate]
        [--batch-size 32] [--workers 2] [--cfg-options KEY=VALUE ...]

Trains K models through mmengine's Runner (the same config; fold k of the
training annotation file held out, folds stratified by category), each
scoring the images it did not see. Writes DIR/oof_scores.jsonl (one line
per training image, tools/infer_catalog.py's format), DIR/folds.json and
DIR/report.json; see mmfashion_attr/analysis/out_of_fold.py for the rest.
Resumable: a rerun skips folds whose checkpoint and scores exist, and
resumes a killed fold. Labels the schema rejects (an unknown value or
category, a value the category does not allow) are left out of training
and counted in the log; every image is scored. Then:
tools/audit_catalog.py --scores DIR/oof_scores.jsonl, which lists them as
findings.

--heads linear (the config's backbone frozen, e.g. configs/label_audit/
synthfashion_noisy_lite0_frozen.py): no training; the backbone's maps are
pooled once per image and each attribute's fold heads are logistic
regressions on them (mmfashion_attr/analysis/linear_fold_heads.py), the
strength chosen by out-of-fold log-loss: seconds per fold.
"""
import argparse
import json
import os.path as osp

import mmfashion_attr  # noqa: F401  registers modules
from mmfashion_attr.analysis.linear_fold_heads import \
    linear_cross_val_scores
from mmfashion_attr.analysis.out_of_fold import cross_val_scores
from mmfashion_attr.utils.cli import run_main
from mmfashion_attr.utils.experiment_runs import load_config


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--folds', type=int, required=True, help='K')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--heads', choices=['config', 'linear'],
                        default='config',
                        help="config: K trainings of the config's model; "
                        'linear: logistic regressions on its frozen '
                        "backbone's pooled features")
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the fold split')
    parser.add_argument('--no-validate', action='store_true',
                        help="skip the config's validation while training")
    parser.add_argument('--batch-size', type=int, default=32,
                        help='scoring batch size')
    parser.add_argument('--workers', type=int, default=2,
                        help='scoring DataLoader workers')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help="KEY=VALUE, merged as tools/train.py's")
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    run = linear_cross_val_scores if args.heads == 'linear' else \
        cross_val_scores
    report = run(cfg, args.work_dir, args.folds, args.seed, args.batch_size,
                 args.workers)
    report.update(config=args.config, cfg_options=args.cfg_options)
    with open(osp.join(args.work_dir, 'report.json'), 'w') as f:
        json.dump(report, f, indent=1)
    print(json.dumps({k: report[k] for k in ('oof_scores', 'lines',
                                             'unreadable')}))


if __name__ == '__main__':
    run_main(main)
