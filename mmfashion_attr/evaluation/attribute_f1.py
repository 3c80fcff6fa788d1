"""Per-attribute micro F1 (Parekh & Shaik 2023, tables 1 and 3).

For each attribute: precision, recall and F1 micro-averaged over its values,
on the samples where the attribute is labelled. Optionally macro F1, mAP and
per-value F1; and accuracy: top-1 for single-label tasks, exact match of the
predicted value set for multi-label ones.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.evaluation import AveragePrecision
from mmpretrain.registry import METRICS

from ..datasets.schema import task_slices
from .thresholds import binarize, load_thresholds, threshold_for


def prf(tp, fp, fn):
    """Precision, recall, F1 from counts (0 where undefined)."""
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / np.maximum(tp + fn, 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return precision, recall, f1


@METRICS.register_module()
class AttributeF1(BaseMetric):
    """Per-attribute precision / recall / F1, micro-averaged over values.

    Needs ``dataset_meta['tasks']`` (``name``, ``classes``, ``multi_label``)
    and data samples with ``pred_score``, ``gt_attr`` and ``gt_attr_mask``.

    Args:
        thresholds (float | dict | str): Score threshold for multi-label
            tasks: one for all, per task (missing tasks use 0.5), or a JSON
            file written by ``tools/analysis_tools/calibrate_thresholds.py``.
        items (Sequence[str]): Extra outputs among ``'macro'``, ``'map'``,
            ``'per_value'``.
        log_table (bool): Log the attribute x metric table.
    """
    default_prefix = 'attr'

    def __init__(self,
                 thresholds: Union[float, dict, str] = 0.5,
                 items: Sequence[str] = (),
                 log_table: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresholds = load_thresholds(thresholds)
        unknown = set(items) - {'macro', 'map', 'per_value'}
        if unknown:
            raise ValueError(f'unknown AttributeF1 items: {sorted(unknown)}')
        self.items = tuple(items)
        self.log_table = log_table

    def process(self, data_batch, data_samples: Sequence[dict]):
        for sample in data_samples:
            self.results.append(dict(
                score=_numpy(sample['pred_score']),
                gt=_numpy(sample['gt_attr']).astype(bool),
                mask=_numpy(sample['gt_attr_mask']).astype(bool)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        scores = np.stack([r['score'] for r in results])
        gts = np.stack([r['gt'] for r in results])
        masks = np.stack([r['mask'] for r in results])
        metrics, rows = {}, []
        tasks = self.dataset_meta['tasks']
        if not masks.any():
            raise ValueError(
                f'AttributeF1: none of the {len(results)} evaluated samples '
                'has a labelled task, so no F1 can be computed; check that '
                'the evaluation annotation file carries labels')
        for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
            keep = masks[:, i]
            if not keep.any():
                continue
            task_metrics = self.task_metrics(scores[keep, sl], gts[keep, sl],
                                             task)
            task_metrics['support'] = int(keep.sum())
            rows.append((task['name'], task_metrics))
            for key, value in task_metrics.items():
                metrics[f'{task["name"]}/{key}'] = value
        for key in ('f1_micro', 'precision_micro', 'recall_micro'):
            metrics[f'mean_{key}'] = float(np.mean([m[key] for _, m in rows]))
        if self.log_table:
            MMLogger.get_current_instance().info('\n' + format_table(rows))
        return metrics

    def task_metrics(self, scores, gts, task) -> Dict[str, float]:
        pred = binarize(scores, task['multi_label'],
                        threshold_for(self.thresholds, task['name']))
        tp = (pred & gts).sum(0)
        fp = (pred & ~gts).sum(0)
        fn = (~pred & gts).sum(0)
        p, r, f1 = prf(tp.sum(), fp.sum(), fn.sum())
        out = dict(precision_micro=float(p), recall_micro=float(r),
                   f1_micro=float(f1))
        if task['multi_label']:
            out['accuracy'] = float((pred == gts).all(1).mean())
        else:
            out['accuracy'] = float((pred & gts).any(1).mean())
        _, _, f1_values = prf(tp, fp, fn)
        present = gts.any(0)
        if 'macro' in self.items:
            out['f1_macro'] = float(f1_values[present].mean())
        if 'map' in self.items:
            out['mAP'] = float(AveragePrecision.calculate(
                scores[:, present], gts[:, present].astype(np.int64),
                average='macro')) / 100.0
        if 'per_value' in self.items:
            for name, value in zip(task['classes'], f1_values):
                out[f'f1/{name}'] = float(value)
        return out


def _numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def format_table(rows) -> str:
    """Attribute x metric table of the micro scores."""
    cols = ('precision_micro', 'recall_micro', 'f1_micro', 'support')
    width = max([len(name) for name, _ in rows] + [9])
    lines = [f'{"attribute":<{width}}  ' +
             '  '.join(f'{c:>15}' for c in cols)]
    for name, m in rows:
        cells = [f'{m[c]:>15.4f}' if c != 'support' else f'{m[c]:>15d}'
                 for c in cols]
        lines.append(f'{name:<{width}}  ' + '  '.join(cells))
    return '\n'.join(lines)
