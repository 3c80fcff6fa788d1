"""Per-attribute confusion matrices of the predictions tools/test.py dumped.

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis_tools/confusion_matrix.py CONFIG preds.pkl \
        --out-dir confusion/ [--thresholds 0.3 | thresholds.json] [--show] \
        [--cfg-options k=v ...]

For each attribute, on the images where it is labelled: a single-label
attribute gets its confusion matrix (rows: true value, columns: predicted
value, the top score; a last column "(not applicable)" when the model
predicted a category the attribute does not apply to), a multi-label one
its per-value TP / FP / FN (values predicted from the thresholds of the
config's AttributeF1, or --thresholds). Writes ATTRIBUTE.csv and
ATTRIBUTE.png per attribute and confusion.json with all of them into
--out-dir; --show also opens each figure.
Own tool: mmpretrain's confusion_matrix.py reads one flat gt_label per
image (KeyError 'gt_label' on these predictions).
"""
import argparse
import csv
import json
import os
import os.path as osp

import matplotlib
from mmengine.config import Config, DictAction

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.attribute_errors import (attribute_confusion,
                                                      safe_file_name)
from mmfashion_attr.analysis.dumped_predictions import (
    attribute_predictions, attribute_tasks, load_dumped_predictions)
from mmfashion_attr.evaluation.thresholds import (evaluator_thresholds,
                                                  load_thresholds)
from mmfashion_attr.utils.cli import run_main

COUNTS = ('tp', 'fp', 'fn')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config the predictions are of')
    parser.add_argument('pkl', help='pickle from tools/test.py --out')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the .csv, .png and confusion.json')
    parser.add_argument(
        '--thresholds',
        help='multi-label thresholds: one value or a calibrate_thresholds.py '
        'JSON file (default: the config\'s test_evaluator\'s)')
    parser.add_argument('--show', action='store_true',
                        help='also show each figure in a window')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings (xxx=yyy)')
    return parser.parse_args()


def write_csv(path: str, table: dict) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        if table['multi_label']:
            writer.writerow(['value', *COUNTS, 'precision', 'recall', 'f1'])
            for value, c in table['values'].items():
                writer.writerow([value, *(c[k] for k in COUNTS)] + [
                    f'{c[k]:.4f}' for k in ('precision', 'recall', 'f1')])
        else:
            writer.writerow(['true \\ predicted', *table['predicted']])
            for value, row in zip(table['true'], table['matrix']):
                writer.writerow([value, *row])


def plot(plt, name: str, table: dict):
    """The matrix (counts in the cells) or the per-value TP / FP / FN
    bars."""
    import numpy as np
    if table['multi_label']:
        values = list(table['values'])
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * len(values)))
        y = np.arange(len(values))
        for j, (key, colour) in enumerate(zip(
                COUNTS, ('tab:green', 'tab:red', 'tab:orange'))):
            ax.barh(y + (j - 1) * 0.27, [table['values'][v][key]
                                         for v in values],
                    height=0.27, color=colour, label=key.upper())
        ax.set_yticks(y, values)
        ax.invert_yaxis()
        ax.set_xlabel('images')
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc='upper left', bbox_to_anchor=(1.0, 1.0))
        ax.set_title(f'{name}: {table["support"]} labelled images, '
                     f'threshold {table["threshold"]:g}')
    else:
        matrix = np.asarray(table['matrix'])
        rows, cols = matrix.shape
        fig, ax = plt.subplots(figsize=(2.5 + 0.6 * cols, 2 + 0.5 * rows))
        ax.imshow(matrix, cmap='Blues', vmin=0)
        ax.set_xticks(range(cols), table['predicted'], rotation=45,
                      ha='right')
        ax.set_yticks(range(rows), table['true'])
        ax.set_xlabel('predicted')
        ax.set_ylabel('true')
        top = max(int(matrix.max()), 1)
        for (r, c), count in np.ndenumerate(matrix):
            ax.text(c, r, str(count), ha='center', va='center',
                    color='white' if count > top / 2 else 'black')
        ax.set_title(f'{name}: {table["support"]} labelled images')
    fig.tight_layout()
    return fig


def images(count: int) -> str:
    return f'{count} image' + ('' if count == 1 else 's')


def summary(name: str, table: dict) -> str:
    """One line: accuracy and the largest confusion, or the TP / FP / FN
    totals."""
    if table['multi_label']:
        totals = {k: sum(c[k] for c in table['values'].values())
                  for k in COUNTS}
        return (f'{name}: {images(table["support"])}, threshold '
                f'{table["threshold"]:g}, TP {totals["tp"]} FP '
                f'{totals["fp"]} FN {totals["fn"]}')
    matrix = table['matrix']
    right = sum(matrix[i][i] for i in range(len(matrix)))
    line = (f'{name}: {images(table["support"])}, accuracy '
            f'{right / table["support"]:.4f}')
    off = [(n, t, p) for i, (t, row) in enumerate(zip(table['true'], matrix))
           for j, (p, n) in enumerate(zip(table['predicted'], row))
           if i != j and n]
    if off:
        n, t, p = max(off, key=lambda x: x[0])
        line += f', most confused: {t} -> {p} ({n})'
    return line


def main():
    args = parse_args()
    if not args.show:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    tasks = attribute_tasks(cfg, args.config)
    thresholds = load_thresholds(
        args.thresholds if args.thresholds is not None
        else evaluator_thresholds(cfg.get('test_evaluator', None)))
    preds = attribute_predictions(load_dumped_predictions(args.pkl),
                                  args.pkl, tasks)
    tables = attribute_confusion(preds, tasks, thresholds)
    os.makedirs(args.out_dir, exist_ok=True)
    for name, table in tables.items():
        stem = osp.join(args.out_dir, safe_file_name(name))
        write_csv(stem + '.csv', table)
        fig = plot(plt, name, table)
        fig.savefig(stem + '.png', dpi=100)
        if args.show:
            plt.show()
        plt.close(fig)
        print(summary(name, table))
    path = osp.join(args.out_dir, 'confusion.json')
    with open(path, 'w') as f:
        json.dump(dict(pkl=args.pkl, images=len(preds.scores),
                       attributes=tables), f, indent=1)
    print(f'wrote {len(tables)} attributes to {args.out_dir}')


if __name__ == '__main__':
    run_main(main)
