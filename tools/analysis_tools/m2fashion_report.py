"""Train (or read) M2Fashion configs x seeds, test each checkpoint with
nothing given and with some attribute types given, and report M2Fashion's
Table 1 (category top-k, attribute recall@3 / @5 per type) and the effect
of the given types on the hidden ones, as mean ± sample std over seeds.

    python tools/analysis_tools/m2fashion_report.py CONFIG [CONFIG ...]
        --work-dir work_dirs/m2fashion_report [--seeds 0 1 2] [--given 1 5]
        [--cfg-options ...] [--results RUNS.jsonl] [--out tables.md]
    python tools/analysis_tools/m2fashion_report.py --from-results
        RUNS.jsonl [--out tables.md]

Each run lives in WORK_DIR/<config name>/seed<k>/ (tools/train.py with
randomness.seed=k, then tools/test.py of its last checkpoint with nothing
given, through utils/experiment_runs.py); finished runs are read, not
repeated. Each checkpoint is tested twice more, results kept beside it:
``given_<types>`` gives the true states of the --given types
(``MaskAttributeStates.known_types``: DeepFashion-C's 1 texture, 2 fabric,
3 shape, 4 part, 5 style) and ranks the others; ``skip_<types>`` gives
nothing but leaves out of the ranking the attributes giving would leave
out (``AttributeTopKRecall.skip_types``), so "all (others)" is compared on
the same attributes with and without the given states. --results keeps one
record per (config, seed, condition) (utils/run_records.py, ``split``
``test``, ``test_given_1_5``, ``test_skip_1_5``); --from-results rebuilds
the tables from that file alone. "±" is the sample standard deviation
(ddof=1) over the n seeds; Δ is the per-seed (paired) difference.
"""
import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmfashion_attr.datasets.deepfashion_c.lists import ATTRIBUTE_TYPES
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import run_main
from mmfashion_attr.utils.experiment_runs import (ROOT, finished_run,
                                                  load_config, train_and_test)

NONE = 'test'


def conditions(given: Sequence[int]) -> Dict[str, str]:
    """Record split of each test condition: none, given, skip."""
    if not given:
        return dict(none=NONE)
    types = '_'.join(map(str, given))
    return dict(none=NONE, given=f'test_given_{types}',
                skip=f'test_skip_{types}')


def condition_options(config: str, options: Sequence[str], kind: str,
                      given: Sequence[int]) -> List[str]:
    """``--cfg-options`` for a test condition, the pipeline and evaluator
    indices looked up in the config rather than assumed."""
    cfg = load_config(config, options)
    types = '[' + ','.join(map(str, given)) + ']'
    if kind == 'given':
        pipeline = cfg.test_dataloader.dataset.pipeline
        index = [t['type'] for t in pipeline].index('MaskAttributeStates')
        return [f'test_dataloader.dataset.pipeline.{index}.known_types='
                f'{types}']
    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        return [f'test_evaluator.skip_types={types}']
    index = [e['type'] for e in evaluators].index('AttributeTopKRecall')
    return [f'test_evaluator.{index}.skip_types={types}']


def test_checkpoint(config: str, work_dir: str, split: str,
                    options: Sequence[str]) -> dict:
    """Metrics of the run's last checkpoint under ``options``, kept in
    ``work_dir/<split>_metrics.json`` (read, not redone)."""
    done = osp.join(work_dir, f'{split}_metrics.json')
    if not osp.exists(done):
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        with open(osp.join(work_dir, 'report_run.log'), 'a') as log:
            subprocess.run(
                [sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
                 osp.join(work_dir, split), '--cfg-options', *options],
                cwd=ROOT, check=True, stdout=log, stderr=subprocess.STDOUT)
        results = sorted(glob.glob(osp.join(work_dir, split, '*', '*.json')))
        with open(results[-1]) as f:
            metrics = json.load(f)
        with open(done, 'w') as f:
            json.dump(metrics, f, indent=1)
    with open(done) as f:
        return json.load(f)


def collect(args) -> List[dict]:
    """Train and test what is missing; one record per run and condition."""
    records, options = [], args.cfg_options or []
    for position, config in enumerate(args.configs):
        name = osp.splitext(osp.basename(config))[0]
        for seed in args.seeds:
            work = osp.join(args.work_dir, name, f'seed{seed}')
            run = finished_run(work)
            if run is None:
                print(f'{name} seed {seed}: training', file=sys.stderr,
                      flush=True)
                run = train_and_test(config, work,
                                     [f'randomness.seed={seed}', *options],
                                     options)
            for kind, split in conditions(args.given).items():
                extra = ([] if kind == 'none' else condition_options(
                    config, options, kind, args.given))
                metrics = (run['metrics'] if kind == 'none' else
                           test_checkpoint(config, work, split,
                                           [*options, *extra]))
                rec = run_records.record(
                    config, metrics, seed=seed, split=split,
                    train_seconds=run.get('train_seconds'),
                    cfg_options=options, date=run['finished'], name=name,
                    position=position, condition=kind,
                    given=list(args.given) if kind != 'none' else [],
                    test_options=extra)
                if args.results:
                    run_records.save(args.results, rec)
                records.append(rec)
            print(f'{name} seed {seed}: done', file=sys.stderr, flush=True)
    return records


def number(value: float) -> str:
    text = f'{value:.1f}'
    return '0.0' if text == '-0.0' else text


def stats(values: List[float]) -> str:
    if not values:
        return '-'
    if len(values) == 1:
        return number(values[0])
    return f'{number(np.mean(values))} ± {number(np.std(values, ddof=1))}'


def column(recs: List[dict], key: str) -> List[float]:
    return [r['metrics'][key] for r in recs if key in r['metrics']]


def by_model(records: List[dict], kind: str) -> Dict[str, List[dict]]:
    """name -> records of one condition, in the report's config order and
    by seed."""
    out: Dict[str, List[dict]] = {}
    for rec in sorted(records, key=lambda r: (r['position'], r['seed'])):
        if rec.get('condition', 'none') == kind:
            out.setdefault(rec['name'], []).append(rec)
    return out


def main_table(records: List[dict]) -> str:
    models = by_model(records, 'none')
    types = [n for n in ATTRIBUTE_TYPES.values()
             if any(f'attr/{n}_recall@3' in r['metrics']
                    for r in records)]
    head = (['model', 'n', 'category top-1', 'category top-3'] + types +
            ['all'])
    lines = ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)]
    for name, recs in models.items():
        row = [f'`{name}`', str(len(recs)),
               stats(column(recs, 'accuracy/top1')),
               stats(column(recs, 'accuracy/top3'))]
        for prefix in [f'attr/{t}_' for t in types] + ['attr/']:
            row.append(' / '.join(stats(column(recs, f'{prefix}recall@{k}'))
                                  for k in (3, 5)))
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines) + '\n'


def given_table(records: List[dict]) -> str:
    none, given, skip = (by_model(records, k)
                         for k in ('none', 'given', 'skip'))
    if not given:
        return ''
    hidden = [n for n in ATTRIBUTE_TYPES.values()
              if any(f'attr/{n}_recall@3' in r['metrics']
                     for recs in given.values() for r in recs)]
    head = (['model', 'n', 'category top-1'] + hidden +
            ['all (others)', 'Δ all (others) @3', 'Δ @5'])
    lines = ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)]
    for name, recs in given.items():
        # the seeds tested both ways, paired
        seeds = [r['seed'] for r in recs]
        base = {r['seed']: r for r in none[name]}
        base_skip = {r['seed']: r for r in skip[name]}
        before = [base[s] for s in seeds]
        before_skip = [base_skip[s] for s in seeds]
        row = [f'`{name}`', str(len(recs)),
               stats(column(before, 'accuracy/top1')) + ' → ' +
               stats(column(recs, 'accuracy/top1'))]
        pairs = [(before, recs, f'attr/{t}_recall@3') for t in hidden]
        pairs.append((before_skip, recs, 'attr/recall@3'))
        for a, b, key in pairs:
            row.append(stats(column(a, key)) + ' → ' + stats(column(b, key)))
        for k in (3, 5):
            key = f'attr/recall@{k}'
            row.append(stats([y - x for x, y in zip(column(before_skip, key),
                                                    column(recs, key))]))
        lines.append('| ' + ' | '.join(row) + ' |')
    types = ', '.join(f'{t} {ATTRIBUTE_TYPES[t]}' for t in recs[0]['given'])
    return (f'Given: {types}; recall@3, nothing given → given (Δ: given '
            'minus nothing given, per seed):\n\n' + '\n'.join(lines) + '\n')


def markdown(records: List[dict]) -> str:
    """Both tables: the first with nothing given, the second comparing the
    hidden types with nothing and with the --given types given."""
    out = ('Nothing given; category top-k accuracy and attribute recall@3 / '
           'recall@5, %:\n\n' + main_table(records))
    second = given_table(records)
    return out + ('\n' + second if second else '')


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*')
    parser.add_argument('--work-dir', default='work_dirs/m2fashion_report')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--given', type=int, nargs='*', default=[1, 5],
                        help='attribute types given in the second test '
                        '(none: no second test)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='KEY=VALUE for every training and test')
    run_records.add_arguments(parser, 'tables')
    args = parser.parse_args(argv)
    if bool(args.configs) == bool(args.from_results):
        parser.error('give CONFIGs or --from-results, not both')
    return args


def main(argv: Optional[List[str]] = None):
    args = parse_args(argv)
    records = (run_records.load(args.from_results) if args.from_results
               else collect(args))
    table = markdown(records)
    run_records.publish(table, args.out)


if __name__ == '__main__':
    run_main(main)
