"""Auto-accept thresholds chosen on validation predictions, measured on
held-out ones: per attribute the realised precision against the target,
and the coverage.

    python tools/analysis_tools/auto_accept_report.py VAL_PKL TEST_PKL CONFIG
        --target-precision 0.9 0.95 [--confidence 0.95] [--default 0.5]
        [--seed N] [--source TEXT] [--results RUNS.jsonl] [--out table.md]
    python tools/analysis_tools/auto_accept_report.py --from-results
        RUNS.jsonl [--out table.md]

VAL_PKL and TEST_PKL are `tools/test.py --out` dumps of the same model on
the val and on the test split. For each target the thresholds are those
`calibrate_thresholds.py VAL_PKL --target-precision T --confidence C`
writes (F1 thresholds, then auto-accept thresholds above them, from VAL_PKL
alone); on TEST_PKL each attribute's auto-accepted values are counted:
their precision, its one-sided Wilson upper bound at C (below the target:
the shortfall is more than the test set's noise), and the coverage (share
of the attribute's labelled test images with an auto-accepted value).
--results keeps the run's record (one per config, seed and split, all
targets in it, with --source: what made the predictions; run_records); --from-results prints the Markdown tables of
every record in the file, with no data or model.
"""
import argparse

from mmengine.config import Config

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.auto_accept import (check_targets, markdown,
                                                 measure, value_lines)
from mmfashion_attr.analysis.dumped_predictions import (
    attribute_predictions, attribute_tasks, load_dumped_predictions)
from mmfashion_attr.evaluation.auto_accept import wilson_bounds
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('val_preds', nargs='?',
                        help='tools/test.py --out dump of the val split')
    parser.add_argument('test_preds', nargs='?',
                        help='the same model on the held-out test split')
    parser.add_argument('config', nargs='?')
    parser.add_argument('--target-precision', type=float, nargs='+',
                        default=[0.95])
    parser.add_argument('--confidence', type=float, default=0.95,
                        help='of the Wilson bounds (default 0.95)')
    parser.add_argument('--default', type=float, default=0.5,
                        help='as calibrate_thresholds.py --default')
    parser.add_argument('--seed', type=int,
                        help="the model's seed, for --results (default: the "
                        "config's randomness.seed)")
    parser.add_argument('--source', help='for --results: what made the '
                        'predictions (e.g. "tools/demo.sh seed 0 at commit '
                        'X")')
    run_records.add_arguments(parser, 'tables')
    args = parser.parse_args()
    if args.from_results:
        run_records.publish(markdown(run_records.load(args.from_results)),
                            args.out)
        return
    if not args.config:
        parser.error('VAL_PKL TEST_PKL CONFIG (or --from-results)')
    targets = check_targets(args.target_precision)
    wilson_bounds(1, 1, args.confidence)  # checks the confidence
    cfg = Config.fromfile(args.config)
    tasks = attribute_tasks(cfg, args.config)
    splits = [attribute_predictions(load_dumped_predictions(p), p, tasks)[:3]
              for p in (args.val_preds, args.test_preds)]
    metrics = measure(*splits, tasks, targets, args.confidence, args.default)
    print('\n'.join(value_lines(metrics)) + '\n')
    report = markdown([dict(config=args.config, seed=args.seed if args.seed
                            is not None else cfg.get('randomness', {}).get(
                                'seed'), metrics=metrics)])
    run_records.publish(report, args.out)
    if args.results:
        run_records.save(args.results, run_records.record(
            args.config, metrics, seed=args.seed if args.seed is not None
            else cfg.get('randomness', {}).get('seed'),
            val_preds=args.val_preds, test_preds=args.test_preds,
            predictions_source=args.source))
        print(f'record kept in {args.results}')


if __name__ == '__main__':
    run_main(main)
