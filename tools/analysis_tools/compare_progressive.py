"""Compare progressive branch training with one model per attribute and one
multi-label model, per article group: accuracy, micro F1, training time,
model size and inference time, as a Markdown table and a bar chart.

    python tools/analysis_tools/compare_progressive.py ARTICLE_DIR [...]
        --work-dir work_dirs/progressive [--no-train] [--cfg-options ...]
        [--out report.md] [--chart comparison.png] [--latency-iters 30]

An article folder (e.g. configs/progressive/tops) holds ``progressive.py``,
``multi_label.py`` and one ``per_attribute_<task>.py`` per attribute (files
starting with ``_`` are bases). Each config is trained with tools/train.py
and tested with tools/test.py in WORK_DIR/<article>/<config name>/; runs
with test_metrics.json are read, not repeated. Training time is the wall
time of tools/train.py (start-up included: what a user pays per model);
size is the model's state dict saved alone (no optimizer state); inference
is the median batch-1 forward time of the model on the CPU, summed over the
models an approach needs for one image.
"""
import argparse
import glob
import io
import os.path as osp
import statistics
import sys
import time

import torch
from mmpretrain.apis import get_model

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.approach_comparison import (
    APPROACHES,
    combine_models,
    markdown_table,
    mean_f1,
    task_metrics,
)
from mmfashion_attr.utils.checkpoint_loading import trusted_checkpoints
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
    raise ValueError('no Pad in the test pipeline')


def model_costs(cfg, checkpoint: str, iters: int) -> dict:
    """Parameters, state-dict bytes and median batch-1 latency (ms)."""
    with trusted_checkpoints():
        model = get_model(cfg, checkpoint, device='cpu').eval()
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


def run_model(config, work, args, k, total) -> dict:
    start = time.time()
    run = finished_run(work)
    if run is not None:
        state = 'done before'
    elif args.no_train:
        sys.exit(f'{work} has no finished run (--no-train)')
    else:
        options = args.cfg_options or []
        run = train_and_test(config, work, options, options)
        state = f'trained and tested in {time.time() - start:.0f} s'
    if 'train_seconds' not in run:
        sys.exit(f'{work}: no run_info.json (training time); rerun it')
    cfg = load_config(config, args.cfg_options)
    model = dict(tasks=task_metrics(run['metrics']),
                 train_seconds=run['train_seconds'],
                 **model_costs(cfg, run['checkpoint'], args.latency_iters))
    print(f'[{k}/{total}] {work}: {state}; {len(model["tasks"])} tasks, '
          f'training {model["train_seconds"]:.0f} s, '
          f'{model["latency_ms"]:.1f} ms / image', flush=True)
    return model


def collect(args) -> dict:
    """article -> approach -> combined results."""
    plans = {osp.basename(osp.normpath(f)): article_configs(f)
             for f in args.articles}
    total = sum(len(c) for p in plans.values() for c in p.values())
    results, k = {}, 0
    for article, configs in plans.items():
        results[article] = {}
        for approach, files in configs.items():
            models = []
            for config in files:
                k += 1
                name = osp.splitext(osp.basename(config))[0]
                work = osp.join(args.work_dir, article, name)
                models.append(run_model(config, work, args, k, total))
            results[article][approach] = combine_models(models)
    return results


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
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 3.2))
    width = 0.8 / len(APPROACHES)
    for ax, (title, value) in zip(axes, panels):
        for i, approach in enumerate(APPROACHES):
            xs = np.arange(len(articles)) + (i - 1) * width
            ax.bar(xs, [value(results[a][approach]) for a in articles],
                   width, label=approach.replace('_', '-'))
        ax.set_xticks(np.arange(len(articles)))
        ax.set_xticklabels(articles)
        ax.set_title(title, fontsize=10)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('articles', nargs='+',
                        help='article folders of configs')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--no-train', action='store_true',
                        help='only read finished runs')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='key=value for every train and test run')
    parser.add_argument('--latency-iters', type=int, default=30)
    parser.add_argument('--out', help='write the Markdown tables here')
    parser.add_argument('--chart', help='write a PNG bar chart here')
    args = parser.parse_args()
    results = collect(args)
    tables = '\n\n'.join(markdown_table(article, approaches)
                         for article, approaches in results.items())
    print('\n' + tables)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(tables + '\n')
    if args.chart:
        draw_chart(results, args.chart)
        print(f'chart: {args.chart}')


if __name__ == '__main__':
    main()
