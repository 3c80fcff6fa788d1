"""Compare progressive branch training with one model per attribute and one
multi-label model, per article group, at equal training budgets and over
seeds: micro F1 (mean ± sample std), training time, model size and
inference time, as Markdown tables and a bar chart.

    python tools/analysis_tools/compare_progressive.py ARTICLE_DIR [...]
        --work-dir work_dirs/progressive [--seeds 0 1 2] [--no-train]
        [--budget progressive|config] [--cfg-options ...]
        [--results RUNS.jsonl] [--out report.md] [--chart comparison.png]
        [--latency-iters 30]
    python tools/analysis_tools/compare_progressive.py --from-results RUNS.jsonl
        [--out report.md] [--chart comparison.png]

An article folder (e.g. configs/progressive/tops) holds ``progressive.py``,
``multi_label.py`` and one ``per_attribute_<task>.py`` per attribute (files
starting with ``_`` are bases). Each config is trained with tools/train.py
and tested with tools/test.py in WORK_DIR/<article>/<config name>/seed<S>/
(``randomness.seed=S``); runs with test_metrics.json are read, not
repeated.

Budget (``--budget progressive``, the default): every approach gets the
image passes of the progressive schedule (each stage's epochs times the
images its sampler draws). The multi-label model trains that many passes
over all the group's images, rounded to whole epochs; the per-attribute
models share them equally, each over the images with its attribute
labelled. Their step decay (x0.1) stays at 3/4 of their epochs, as in
the configs (6 of 8). ``--budget config`` trains the configs as written.

Training time is the wall time of tools/train.py (start-up included: what a
user pays per model); size is the model's state dict saved alone (no
optimizer state); inference is the median batch-1 forward time of the model
on the CPU, summed over the models an approach needs for one image.
--results keeps one record per model and seed (run_records);
--from-results rebuilds the tables and chart from that file alone.
"""
import argparse
import glob
import io
import os.path as osp
import statistics
import sys
import time

import torch

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.approach_comparison import (
    APPROACHES,
    combine_models,
    markdown_table,
    mean_f1,
    task_metrics,
)
from mmfashion_attr.analysis.training_budget import (epochs_for, images_for,
                                                     labelled_table,
                                                     progressive_samples)
from mmfashion_attr.apis import init_trained_model
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import UserValueError, run_main
from mmfashion_attr.utils.experiment_runs import (finished_run, load_config,
                                                  train_and_test)


def article_configs(folder: str) -> dict:
    """approach -> its config files."""
    configs = dict(
        progressive=[osp.join(folder, 'progressive.py')],
        per_attribute=sorted(glob.glob(
            osp.join(folder, 'per_attribute_*.py'))),
        multi_label=[osp.join(folder, 'multi_label.py')])
    for approach, files in configs.items():
        missing = [f for f in files if not osp.exists(f)]
        if missing or not files:
            sys.exit(f'{folder}: no {approach} config ({missing or "none"})')
    return configs


def image_size(cfg) -> int:
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'] == 'Pad':
            return t['size'][0]
    raise UserValueError('no Pad in the test pipeline')


def model_costs(cfg, checkpoint: str, iters: int) -> dict:
    """Parameters, state-dict bytes and median batch-1 latency (ms)."""
    model = init_trained_model(cfg, checkpoint)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    size = image_size(cfg)
    image = torch.randint(0, 256, (1, 3, size, size), dtype=torch.uint8)
    times = []
    with torch.no_grad():
        for i in range(iters + 3):  # 3 warm-up calls
            start = time.perf_counter()
            inputs = model.data_preprocessor(dict(inputs=[image[0]]),
                                             False)['inputs']
            model.head.scores(model(inputs, mode='tensor'))
            if i >= 3:
                times.append(time.perf_counter() - start)
    return dict(params=sum(p.numel() for p in model.parameters()),
                bytes=buffer.tell(),
                latency_ms=1e3 * statistics.median(times))


def schedule_options(cfg, epochs: int, config: str) -> list:
    """Options that fit the config's epoch-based scheduler to ``epochs``:
    a step decay stays at 3/4 of the run (6 of 8 in the configs), a cosine
    spans the run."""
    sched = cfg.get('param_scheduler')
    if not sched:
        return []
    if isinstance(sched, dict) and sched.get('type') == 'MultiStepLR':
        return [f'param_scheduler.milestones=[{max(1, round(0.75 * epochs))}]']
    if isinstance(sched, dict) and 'T_max' in sched:
        return [f'param_scheduler.T_max={epochs}']
    sys.exit(f'{config}: cannot fit param_scheduler {sched} to {epochs} '
             'epochs; use --budget config or a MultiStepLR / cosine dict')


def budget_options(plans: dict, args) -> dict:
    """config -> (cfg options giving it the progressive schedule's image
    passes, those passes); empty for ``--budget config``."""
    out = {}
    if args.budget == 'config':
        return out
    for configs in plans.values():
        budget = progressive_samples(
            load_config(configs['progressive'][0], args.cfg_options))
        out[configs['progressive'][0]] = ([], budget)
        for approach in ('per_attribute', 'multi_label'):
            for config in configs[approach]:
                cfg = load_config(config, args.cfg_options)
                names, mask = labelled_table(cfg.train_dataloader.dataset)
                sampler = cfg.train_dataloader.get('sampler', {})
                images = images_for(names, mask, sampler.get('tasks'))
                epochs = epochs_for(budget, images,
                                    len(configs[approach]))
                out[config] = ([f'train_cfg.max_epochs={epochs}',
                                f'train_cfg.val_interval={epochs}',
                                *schedule_options(cfg, epochs, config)],
                               epochs * images)
    return out


def run_model(config, work, options, args, k, total) -> dict:
    start = time.time()
    run = finished_run(work)
    if run is not None:
        state = 'done before'
    elif args.no_train:
        sys.exit(f'{work} has no finished run (--no-train)')
    else:
        run = train_and_test(config, work, options, options)
        state = f'trained and tested in {time.time() - start:.0f} s'
    if 'train_seconds' not in run:
        sys.exit(f'{work}: no run_info.json (training time); rerun it')
    cfg = load_config(config, options)
    model = dict(tasks=task_metrics(run['metrics']),
                 train_seconds=run['train_seconds'],
                 **model_costs(cfg, run['checkpoint'], args.latency_iters))
    print(f'[{k}/{total}] {work}: {state}; {len(model["tasks"])} tasks, '
          f'training {model["train_seconds"]:.0f} s, '
          f'{model["latency_ms"]:.1f} ms / image', flush=True)
    return dict(model, metrics=run['metrics'], finished=run['finished'])


def collect(args) -> list:
    """Train (or read) every config x seed; one record per model run."""
    plans = {osp.basename(osp.normpath(f)): article_configs(f)
             for f in args.articles}
    budgets = budget_options(plans, args)
    total = sum(len(c) for p in plans.values()
                for c in p.values()) * len(args.seeds)
    records, k = [], 0
    for article, configs in plans.items():
        for approach, files in configs.items():
            for config in files:
                extra, passes = budgets.get(config, ([], None))
                for seed in args.seeds:
                    k += 1
                    options = [*(args.cfg_options or []), *extra,
                               f'randomness.seed={seed}']
                    name = osp.splitext(osp.basename(config))[0]
                    work = osp.join(args.work_dir, article, name,
                                    f'seed{seed}')
                    model = run_model(config, work, options, args, k, total)
                    rec = run_records.record(
                        config, model.pop('metrics'), seed=seed,
                        train_seconds=model['train_seconds'],
                        cfg_options=options, date=model.pop('finished'),
                        article=article, approach=approach,
                        params=model['params'], bytes=model['bytes'],
                        latency_ms=model['latency_ms'],
                        image_passes=passes, budget=args.budget)
                    records.append(rec)
                    if args.results:
                        run_records.save(args.results, rec)
    return records


def from_records(records: list) -> dict:
    """article -> approach -> seed -> the approach combined over its
    models."""
    models = {}
    for rec in records:
        models.setdefault(rec['article'], {}).setdefault(
            rec['approach'], {}).setdefault(rec['seed'], []).append(dict(
                tasks=task_metrics(rec['metrics']),
                train_seconds=rec['train_seconds'], params=rec['params'],
                bytes=rec['bytes'], latency_ms=rec['latency_ms'],
                image_passes=rec.get('image_passes') or 0))
    return {article: {approach: {seed: combine_models(runs)
                                 for seed, runs in sorted(seeds.items())}
                      for approach, seeds in approaches.items()}
            for article, approaches in models.items()}


def draw_chart(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    articles = list(results)
    panels = (('mean micro F1', mean_f1),
              ('training time (min)', lambda a: a['train_seconds'] / 60),
              ('inference (ms / image)', lambda a: a['latency_ms']),
              ('weights (MB)', lambda a: a['bytes'] / 2**20))

    def over_seeds(value, runs):  # mean over the seeds
        return float(np.mean([value(r) for r in runs.values()]))

    fig, axes = plt.subplots(1, len(panels), figsize=(13, 3.2))
    width = 0.8 / len(APPROACHES)
    for ax, (title, value) in zip(axes, panels):
        for i, approach in enumerate(APPROACHES):
            xs = np.arange(len(articles)) + (i - 1) * width
            ax.bar(xs, [over_seeds(value, results[a][approach])
                        for a in articles],
                   width, label=approach.replace('_', '-'))
        ax.set_xticks(np.arange(len(articles)))
        ax.set_xticklabels(articles)
        ax.set_title(title, fontsize=10)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('articles', nargs='*',
                        help='article folders of configs')
    parser.add_argument('--work-dir')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--budget', choices=['progressive', 'config'],
                        default='progressive',
                        help="progressive: every approach gets the "
                        "progressive schedule's image passes (default); "
                        'config: the configs as written')
    parser.add_argument('--no-train', action='store_true',
                        help='only read finished runs')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='key=value for every train and test run')
    parser.add_argument('--latency-iters', type=int, default=30)
    run_records.add_arguments(parser)
    parser.add_argument('--chart', help='write a PNG bar chart here')
    args = parser.parse_args()
    if args.from_results:
        records = run_records.load(args.from_results)
    elif args.articles and args.work_dir:
        records = collect(args)
    else:
        parser.error('ARTICLE_DIR ... and --work-dir (or --from-results)')
    results = from_records(records)
    tables = '\n\n'.join(markdown_table(article, approaches)
                         for article, approaches in results.items())
    run_records.publish(tables, args.out)
    if args.chart:
        draw_chart(results, args.chart)
        print(f'chart: {args.chart}')


if __name__ == '__main__':
    run_main(main)
