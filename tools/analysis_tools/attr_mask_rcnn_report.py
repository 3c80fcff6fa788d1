"""Train (or read) Attribute Mask R-CNN configs x seeds; report AP, AP with
IoU and attribute F1, AR@100, attribute F1 and the attribute loss's share
of the training loss as a Markdown table.

    python tools/analysis_tools/attr_mask_rcnn_report.py CONFIG [CONFIG ...]
        --work-dir work_dirs/attr_mask_rcnn_report [--seeds 0 1 2]
        [--cfg-options ...] [--results RUNS.jsonl] [--out table.md]
    python tools/analysis_tools/attr_mask_rcnn_report.py --from-results
        RUNS.jsonl [--out table.md]

Each run lives in WORK_DIR/<config name>/seed<k>/ (tools/train.py with
randomness.seed=k, then tools/test.py of its last checkpoint on the test
split); finished runs are read, not repeated. ``--weights-from
CONFIG=SOURCE`` tests SOURCE's checkpoint of each seed with CONFIG instead
of training CONFIG, when the two differ only at test time (e.g.
``attr_on``), so the two rows are paired: same weights, another test-time
path; anything else stops with an error. The loss columns are the
means over the last training epoch's logged iterations (mmengine's
scalars.json). --results keeps one record per run (utils/run_records.py)
with those loss means; --from-results rebuilds the table from that file
alone. "±" is the sample standard deviation (ddof=1) over the n seeds.
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from mmfashion_attr.errors import UserInputError
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import run_main
from mmfashion_attr.utils.experiment_runs import (evaluate_checkpoint,
                                                 finished_run,
                                                 train_and_test,
                                                 training_differences)

COLUMNS = [('segm AP', 'fashionpedia/segm_iou_AP'),
           ('segm AP with F1', 'fashionpedia/segm_iou_f1_AP'),
           ('bbox AP', 'fashionpedia/bbox_iou_AP'),
           # recall bounds the attribute figures: attribute F1 counts 0
           # for a garment not found
           ('segm AR@100', 'fashionpedia/segm_iou_AR@100'),
           ('attribute F1', 'fashionpedia/segm_attr_f1')]


def last_epoch_losses(work_dir: str) -> Dict[str, float]:
    """Mean of each ``loss*`` term over the last epoch's logged training
    iterations of the run in ``work_dir``."""
    logs = sorted(p for p in glob.glob(
        osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    rows = []
    for path in logs:
        with open(path) as f:
            rows += [r for r in map(json.loads, f) if 'loss' in r]
    if not rows:
        raise SystemExit(f'{work_dir}: no training log (vis_data/'
                         'scalars.json) to read the losses from')
    last = max(r['epoch'] for r in rows)
    rows = [r for r in rows if r['epoch'] == last]
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]
            if k.startswith('loss')}


def cell(values: List[float], scale: float = 100, digits: int = 2) -> str:
    values = [v * scale for v in values if v is not None]
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{np.mean(values):.{digits}f} ± '
            f'{np.std(values, ddof=1):.{digits}f}')


def markdown(records: List[dict]) -> str:
    """One row per config (in the records' order): n, the metrics in %,
    the attribute loss's share of the total and training minutes."""
    by_config: Dict[str, List[dict]] = {}
    for rec in records:
        by_config.setdefault(rec['config'], []).append(rec)
    head = (['config', 'n'] + [c for c, _ in COLUMNS] +
            ['loss_attr / loss (last epoch)', 'training (min)'])
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + ' --- |' * len(head)]
    for config, recs in by_config.items():
        name = f'`{osp.basename(config)}`'
        if recs[0].get('weights_from'):  # paired: another's checkpoints
            name += f" (weights of `{recs[0]['weights_from']}.py`)"
        row = [name, str(len(recs))]
        row += [cell([r['metrics'].get(key) for r in recs])
                for _, key in COLUMNS]
        row.append(cell([r['losses']['loss_attr'] / r['losses']['loss']
                         for r in recs], 1, 3))
        row.append(cell([r.get('train_seconds') for r in recs], 1 / 60, 1))
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines) + '\n'


def run_name(config: str) -> str:
    return osp.splitext(osp.basename(config))[0]


def run_dir(args, config: str, seed: int) -> str:
    return osp.join(args.work_dir, run_name(config), f'seed{seed}')


def trained_run(config: str, seed: int, args) -> dict:
    """``config``'s finished run of ``seed``, trained and tested first if
    there is none."""
    work = run_dir(args, config, seed)
    options = args.cfg_options or []
    return finished_run(work) or train_and_test(
        config, work, [f'randomness.seed={seed}', *options], options)


def paired_run(config: str, source: str, seed: int, args) -> dict:
    """``config`` tested on ``source``'s checkpoint of ``seed`` (trained
    first if it is not yet), with the source run's training time."""
    differences = training_differences(config, source, args.cfg_options)
    if differences:
        raise UserInputError(
            f'--weights-from {run_name(config)}={run_name(source)}: the '
            f'configs train different models ({", ".join(differences)})')
    trained = trained_run(source, seed, args)
    return evaluate_checkpoint(
        config, trained['checkpoint'], run_dir(args, config, seed),
        args.cfg_options or [], train_seconds=trained.get('train_seconds'),
        weights_from=run_dir(args, source, seed))


def collect(args) -> List[dict]:
    records = []
    for config in args.configs:
        source = args.weights_from.get(run_name(config))
        for seed in args.seeds:
            work = run_dir(args, config, seed)
            run = finished_run(work)
            if run is None:
                run = (paired_run(config, source, seed, args) if source
                       else trained_run(config, seed, args))
            extra = ({'weights_from': run_name(source)} if source else {})
            rec = run_records.record(
                config, run['metrics'], seed=seed,
                train_seconds=run.get('train_seconds'),
                cfg_options=args.cfg_options or [], date=run['finished'],
                losses=last_epoch_losses(run.get('weights_from', work)),
                **extra)
            if args.results:
                run_records.save(args.results, rec)
            records.append(rec)
    return records


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*')
    parser.add_argument('--work-dir',
                        default='work_dirs/attr_mask_rcnn_report')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='KEY=VALUE for training and testing')
    parser.add_argument(
        '--weights-from', nargs='+', default=[], metavar='CONFIG=SOURCE',
        help='test SOURCE\'s checkpoints with CONFIG (config files; they '
        'may differ only at test time)')
    run_records.add_arguments(parser, 'table')
    args = parser.parse_args(argv)
    if bool(args.configs) == bool(args.from_results):
        parser.error('give CONFIGs or --from-results, not both')
    pairs = {}
    for item in args.weights_from:
        config, sep, source = item.partition('=')
        if not sep or not osp.isfile(source):
            parser.error(f'--weights-from {item}: CONFIG=SOURCE with '
                         'SOURCE an existing config file')
        pairs[run_name(config)] = source
    args.weights_from = pairs
    return args


def main(argv: Optional[List[str]] = None):
    args = parse_args(argv)
    records = (run_records.load(args.from_results) if args.from_results
               else collect(args))
    table = markdown(records)
    run_records.publish(table, args.out)


if __name__ == '__main__':
    run_main(main)
