"""Per-attribute F1 of always predicting each attribute's most frequent value,
optionally beside a model's (predictions from `tools/test.py --out`).

    python tools/analysis_tools/constant_baseline.py CONFIG [--preds preds.pkl]
        [--thresholds thresholds.json]

Scores the config's test split (test.csv, or its fallback), with the
thresholds of its test_evaluator unless --thresholds is given.
"""
import argparse

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--preds', help='pickle from tools/test.py --out')
    parser.add_argument('--thresholds',
                        help='a float, or a file from calibrate_thresholds.py')
    args = parser.parse_args()
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
    header = f'{"attribute":<16} {"support":>7} {"constant F1":>11}'
    print(header + (f' {"model F1":>9} {"gain":>7}' if model else ''))
    for task in meta['tasks'] + [dict(name='mean')]:
        name = task['name']
        key = 'attr/mean_f1_micro' if name == 'mean' else \
            f'attr/{name}/f1_micro'
        if key not in const:
            continue
        support = '' if name == 'mean' else const[f'attr/{name}/support']
        line = f'{name:<16} {support:>7} {const[key]:>11.4f}'
        if model:
            line += f' {model[key]:>9.4f} {model[key] - const[key]:>+7.4f}'
        print(line)


if __name__ == '__main__':
    main()
