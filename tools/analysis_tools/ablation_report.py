"""Train (or read) several configs x seeds, then report per-attribute micro
F1 grouped by granularity and ROI, as the paper's Table 1, and a chart.

    python tools/analysis_tools/ablation_report.py CONFIG [CONFIG ...]
        --work-dir work_dirs/ablation [--seeds 0 1 2] [--baseline NAME]
        [--no-train] [--cfg-options ...] [--results RUNS.jsonl]
        [--out report.md] [--chart gains.png]
    python tools/analysis_tools/ablation_report.py --from-results RUNS.jsonl
        [--out report.md] [--chart gains.png]

Each run lives in WORK_DIR/<config name>/seed<k>/: tools/train.py with
randomness.seed=k, then tools/test.py of its last checkpoint on the test
split; its metrics are kept in test_metrics.json. Runs with that file are
read, not repeated, so an interrupted report resumes where it stopped.
The first config is the baseline unless --baseline names another. Groups
come from the schema's roi / granularity fields (docs/datasets.md);
any config set and schema with them works.

--results keeps one record per run (config, seed, split, metrics, training
time, options, machine, date, commit, the schema's groups) in a JSON Lines
file meant to be committed beside the README that quotes the tables;
--from-results rebuilds the tables and chart from that file alone, with no
data and no training (tests/test_readme_results.py checks README tables
against it).
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.ablation_table import (
    group_gains,
    group_tasks,
    markdown_table,
)
from mmfashion_attr.datasets import AttributeSchema
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import run_main
from mmfashion_attr.utils.experiment_runs import (finished_run, load_config,
                                                  train_and_test)


def task_f1(metrics: dict) -> dict:
    """``attr/<task>/f1_micro`` entries -> task -> F1."""
    return {k.split('/')[1]: v for k, v in metrics.items()
            if k.startswith('attr/') and k.endswith('/f1_micro')
            and not k.startswith('attr/mean_')}


def collect(args, task_groups) -> dict:
    """name -> seed -> task -> F1, training what is missing; each run's
    record saved to ``args.results`` when given."""
    results, total = {}, len(args.configs) * len(args.seeds)
    k = 0
    for position, config in enumerate(args.configs):
        name = osp.splitext(osp.basename(config))[0]
        results[name] = {}
        for seed in args.seeds:
            k += 1
            work = osp.join(args.work_dir, name, f'seed{seed}')
            start = time.time()
            run = finished_run(work)
            if run is not None:
                state = 'done before'
            elif args.no_train:
                sys.exit(f'{work} has no finished run (--no-train)')
            else:
                options = args.cfg_options or []
                run = train_and_test(config, work,
                                     [f'randomness.seed={seed}', *options],
                                     options)
                state = f'trained and tested in {time.time() - start:.0f} s'
            results[name][seed] = task_f1(run['metrics'])
            if args.results:
                run_records.save(args.results, run_records.record(
                    config, run['metrics'], seed=seed,
                    train_seconds=run.get('train_seconds'),
                    cfg_options=args.cfg_options or [],
                    date=run.get('finished'), name=name, position=position,
                    baseline=args.baseline, task_groups=task_groups))
            mean = np.mean(list(results[name][seed].values()))
            print(f'[{k}/{total}] {name} seed {seed}: {state}, mean micro F1 '
                  f'{mean:.4f}', flush=True)
    return results


def from_results(path):
    """``(results, task_groups, baseline)`` rebuilt from a --results file,
    configs in the order the report was made."""
    records = sorted(run_records.load(path),
                     key=lambda r: (r['position'], r['seed']))
    results = {}
    for rec in records:
        results.setdefault(rec['name'], {})[rec['seed']] = task_f1(
            rec['metrics'])
    baseline = records[0].get('baseline') or records[0]['name']
    return results, records[0]['task_groups'], baseline


def schema_groups(config, options) -> dict:
    cfg = load_config(config, options)
    return AttributeSchema.from_file(cfg.model.head.schema_file).task_groups()


def draw_chart(results, groups_of_tasks, baseline, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    groups = group_tasks(groups_of_tasks,
                         list(next(iter(results[baseline].values()))))
    gains = group_gains(results, baseline, groups)
    approaches = [a for a in results if a != baseline]
    width = 0.8 / max(len(approaches), 1)
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(groups), 3.6))
    for i, approach in enumerate(approaches):
        means, stds = zip(*(gains[approach][g] for g, _ in groups))
        xs = np.arange(len(groups)) + (i - (len(approaches) - 1) / 2) * width
        ax.bar(xs, means, width, yerr=stds, capsize=2, label=approach)
    ax.axhline(0, color='black', linewidth=0.8)
    ax.set_xticks(np.arange(len(groups)))
    ax.set_xticklabels([f'{g[0]}\n{g[1]} ROI' for g, _ in groups])
    ax.set_ylabel(f'micro F1 gain over\n{baseline}')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*')
    parser.add_argument('--work-dir')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--baseline', help='config name (default: first)')
    parser.add_argument('--no-train', action='store_true',
                        help='only read finished runs')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='key=value for every train and test run')
    run_records.add_arguments(parser)
    parser.add_argument('--chart', help='write a PNG of the group gains')
    args = parser.parse_args()
    if args.from_results:
        results, task_groups, baseline = from_results(args.from_results)
    else:
        if not args.configs or not args.work_dir:
            parser.error('CONFIG ... and --work-dir (or --from-results)')
        task_groups = schema_groups(args.configs[0], args.cfg_options)
        results = collect(args, task_groups)
        baseline = args.baseline or next(iter(results))
    if baseline not in results:
        sys.exit(f'--baseline {baseline} is not one of {list(results)}')
    table = markdown_table(results, task_groups, baseline)
    run_records.publish(table, args.out)
    if args.chart:
        draw_chart(results, task_groups, baseline, args.chart)
        print(f'chart: {args.chart}')


if __name__ == '__main__':
    run_main(main)
