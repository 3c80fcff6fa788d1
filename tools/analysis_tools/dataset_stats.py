"""Per-attribute label counts, value frequencies and missing rates.

    python tools/analysis_tools/dataset_stats.py CONFIG [--split train|val|test]
        [--chart stats.png]
"""
import argparse

from mmengine.config import Config
from mmpretrain.registry import DATASETS

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.label_statistics import label_statistics
from mmfashion_attr.utils.cli import run_main


def save_chart(stats, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(stats), 1,
                             figsize=(8, 2.2 * len(stats)), squeeze=False)
    for ax, s in zip(axes[:, 0], stats):
        ax.bar(list(s['counts']), list(s['counts'].values()))
        ax.set_title(f'{s["name"]}: {s["labelled"]} labelled, '
                     f'{100 * s["missing_rate"]:.0f}% missing', fontsize=9)
        ax.tick_params(axis='x', labelrotation=30, labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--chart', help='save a bar chart (png) here')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    dataset_cfg = cfg[f'{args.split}_dataloader'].dataset
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    stats = label_statistics(dataset)
    print(f'{len(dataset)} samples')
    print(f'{"attribute":<20} {"labelled":>8} {"missing":>8}  values (count)')
    for s in stats:
        values = ', '.join(f'{k} ({v})' for k, v in sorted(
            s['counts'].items(), key=lambda kv: -kv[1]))
        print(f'{s["name"]:<20} {s["labelled"]:>8} '
              f'{100 * s["missing_rate"]:>7.1f}%  {values}')
    if args.chart:
        save_chart(stats, args.chart)
        print(f'saved {args.chart}')


if __name__ == '__main__':
    run_main(main)
