"""Per-attribute F1 of always predicting each attribute's most frequent value,
optionally beside a model's (predictions from `tools/test.py --out`).

    python tools/analysis_tools/constant_baseline.py CONFIG [--preds preds.pkl]
        [--thresholds thresholds.json] [--results RUNS.jsonl]
        [--train-seconds S] [--seed N] [--expected PUBLISHED.jsonl]
    python tools/analysis_tools/constant_baseline.py --from-results RUNS.jsonl
        [--out table.md]

Scores the config's test split (test.csv, or its fallback), with the
thresholds of its test_evaluator unless --thresholds is given. --results
keeps the run's record (both F1 columns, the config's seed, the training
time given by --train-seconds; run_records); --from-results prints the
Markdown table of every record in the file (one model F1 column per
config; with its seed and each config's spread when a config has
several seeds), with no data or model. --expected prints this run's mean
micro F1 beside the range of the published records of its config.
"""
import argparse
import os.path as osp

import mmengine
import numpy as np
from mmengine.config import Config
from mmpretrain.registry import DATASETS

import mmfashion_attr  # noqa: F401
from mmfashion_attr.evaluation import AttributeF1
from mmfashion_attr.analysis.constant_baseline import most_frequent_scores
from mmfashion_attr.analysis.threshold_calibration import stack_predictions
from mmfashion_attr.evaluation.thresholds import (evaluator_thresholds,
                                                  load_thresholds)
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import UserValueError, run_main


def labels(dataset_cfg):
    ds = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    gts = np.stack([d['gt_attr'] for d in infos]).astype(bool)
    masks = np.stack([d['gt_attr_mask'] for d in infos]).astype(bool)
    return ds.metainfo, gts, masks


def evaluate(meta, scores, gts, masks, thresholds):
    metric = AttributeF1(thresholds=thresholds, log_table=False)
    metric.dataset_meta = meta
    metric.process(None, [dict(pred_score=s, gt_attr=g, gt_attr_mask=m)
                          for s, g, m in zip(scores, gts, masks)])
    return metric.evaluate(len(scores))


def per_task(meta, const, model) -> list:
    """``[(attribute, support, constant F1, model F1 or None)]``, then the
    mean (support None)."""
    rows = []
    for task in meta['tasks'] + [dict(name='mean')]:
        name = task['name']
        key = 'attr/mean_f1_micro' if name == 'mean' else \
            f'attr/{name}/f1_micro'
        if key not in const:
            continue
        support = None if name == 'mean' else const[f'attr/{name}/support']
        rows.append((name, support, const[key],
                     model[key] if model else None))
    return rows


def mean_f1(record: dict) -> float:
    """A record's model mean micro F1 (its last row)."""
    return record['metrics']['rows'][-1][3]


def seed_spread(records: list) -> list:
    """Per config with several seeds: a line with the mean micro F1's
    mean, sample std (ddof=1), n and range."""
    lines = []
    for config in dict.fromkeys(r['config'] for r in records):
        runs = [r for r in records if r['config'] == config]
        if len(runs) < 2:
            continue
        f1 = np.array([mean_f1(r) for r in runs])
        seeds = ', '.join(str(r['seed']) for r in runs)
        lines.append(
            f'{osp.basename(config)}: mean micro F1 {f1.mean():.4f} ± '
            f'{f1.std(ddof=1):.4f} (sample std, n = {len(runs)}, seeds '
            f'{seeds}), range {f1.min():.4f}-{f1.max():.4f}')
    return lines


def expected_line(records: list, config: str, this: float,
                  seed=None) -> str:
    """This run's mean micro F1 beside the published range of its
    config's records, and beside the published run of the same seed (equal
    on the same CPU kind and install: the demo pins threads and seeds)."""
    name = osp.basename(config)
    mine = [r for r in records if osp.basename(r['config']) == name]
    if not mine:
        return f'no published runs of {name} to compare with'
    f1 = [mean_f1(r) for r in mine]
    lo, hi = min(f1), max(f1)
    verdict = 'within it' if lo <= this <= hi else \
        'OUTSIDE it: compare your install (tools/install.sh) and machine'
    line = (f'mean micro F1: expected {lo:.4f}-{hi:.4f} ({len(f1)} published '
            f'seeds of {name}), this run {this:.4f}: {verdict}')
    same = [r for r in mine if seed is not None and r.get('seed') == seed]
    if same:
        then = mean_f1(same[-1])
        match = 'the same' if f'{then:.4f}' == f'{this:.4f}' else (
            f'{this - then:+.4f} from it (another CPU kind or install '
            'sums in another order)')
        line += (f'\n  published seed {seed}: {then:.4f} on '
                 f'{same[-1].get("machine", "an unrecorded machine")}; '
                 f'this run is {match}')
    return line


def markdown(records: list) -> str:
    """Attributes x (support, constant F1, each record's model F1), then
    the training time; one column per record (with its seed when a config
    has several), and each config's spread over seeds."""
    names = [osp.splitext(osp.basename(r['config']))[0] for r in records]
    if len(set(names)) < len(names):
        names = [f'{n} seed {r["seed"]}' for n, r in zip(names, records)]
    first = records[0]['metrics']['rows']
    for rec in records[1:]:
        if [r[:3] for r in rec['metrics']['rows']] != \
                [r[:3] for r in first]:
            raise UserValueError(f'{rec["config"]}: another test split or '
                                 'training labels than the first record')
    lines = ['| attribute | support | constant F1 | ' +
             ' | '.join(f'{n} F1' for n in names) + ' |',
             '| --- | --- | --- |' + ' --- |' * len(names)]
    for i, (name, support, const, _) in enumerate(first):
        cells = [f'{rec["metrics"]["rows"][i][3]:.4f}' for rec in records]
        label = f'**{name}**' if support is None else name
        lines.append(f'| {label} | {support or ""} | {const:.4f} | ' +
                     ' | '.join(cells) + ' |')
    lines.append('| training time (s) | | | ' + ' | '.join(
        f'{rec["train_seconds"]:.0f}' if rec['train_seconds'] else '-'
        for rec in records) + ' |')
    spread = seed_spread(records)
    if spread:
        lines += [''] + spread
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?')
    parser.add_argument('--preds', help='pickle from tools/test.py --out')
    parser.add_argument('--thresholds',
                        help='a float, or a file from calibrate_thresholds.py')
    run_records.add_arguments(parser, 'table')
    parser.add_argument('--train-seconds', type=float,
                        help="the model's training time, for --results")
    parser.add_argument('--expected', metavar='RUNS.jsonl',
                        help="published records: print this run's mean F1 "
                        'beside their range for the same config')
    parser.add_argument('--seed', type=int,
                        help="the run's seed, for --results (default: the "
                        "config's randomness.seed)")
    args = parser.parse_args()
    if args.from_results:
        run_records.publish(markdown(run_records.load(args.from_results)),
                            args.out)
        return
    if not args.config:
        parser.error('CONFIG (or --from-results)')
    if args.results and not args.preds:
        parser.error('--results needs --preds (a model to record)')
    cfg = Config.fromfile(args.config)
    thresholds = evaluator_thresholds(cfg.get('test_evaluator'))
    if args.thresholds:
        thresholds = load_thresholds(args.thresholds)
    meta, train_gts, train_masks = labels(cfg.train_dataloader.dataset)
    _, gts, masks = labels(cfg.test_dataloader.dataset)
    const = evaluate(meta, most_frequent_scores(
        train_gts, train_masks, len(gts), meta['tasks']), gts, masks,
        thresholds)
    model = None
    if args.preds:
        scores, pgts, pmasks = stack_predictions(mmengine.load(args.preds))
        model = evaluate(meta, scores, pgts, pmasks, thresholds)
    rows = per_task(meta, const, model)
    header = f'{"attribute":<16} {"support":>7} {"constant F1":>11}'
    print(header + (f' {"model F1":>9} {"gain":>7}' if model else ''))
    for name, support, c, m in rows:
        line = f'{name:<16} {support or "":>7} {c:>11.4f}'
        if model:
            line += f' {m:>9.4f} {m - c:>+7.4f}'
        print(line)
    if args.results:
        run_records.save(args.results, run_records.record(
            args.config, dict(rows=rows), seed=args.seed if args.seed is not
            None else cfg.get('randomness', {}).get('seed'),
            train_seconds=args.train_seconds,
            thresholds=args.thresholds or 'test_evaluator'))
        print(f'record kept in {args.results}')
    if args.expected and model:
        print(expected_line(run_records.load(args.expected), args.config,
                            rows[-1][3], seed=args.seed))


if __name__ == '__main__':
    run_main(main)
