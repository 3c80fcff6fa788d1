"""Per-attribute threshold tuning on validation predictions."""
from typing import Dict, List, Sequence

import numpy as np

from ..datasets.schema import task_slices
from ..evaluation.attribute_f1 import prf
from ..evaluation.thresholds import binarize


def stack_predictions(preds: Sequence[dict]):
    """Dumped predictions (``tools/test.py --out``) -> score, gt, mask arrays."""
    def arr(value):
        return value.numpy() if hasattr(value, 'numpy') else np.asarray(value)
    scores = np.stack([arr(p['pred_score']) for p in preds])
    gts = np.stack([arr(p['gt_attr']) for p in preds]).astype(bool)
    masks = np.stack([arr(p['gt_attr_mask']) for p in preds]).astype(bool)
    return scores, gts, masks


def micro_f1(scores, gts, multi_label, threshold) -> float:
    pred = binarize(scores, multi_label, threshold)
    tp = (pred & gts).sum()
    return float(prf(tp, (pred & ~gts).sum(), (~pred & gts).sum())[2])


def calibrate(scores: np.ndarray, gts: np.ndarray, masks: np.ndarray,
              tasks: List[dict], default: float = 0.5,
              grid: Sequence[float] = tuple(np.round(np.arange(0.05, 0.96,
                                                               0.05), 2))
              ) -> Dict[str, dict]:
    """Best micro-F1 threshold per multi-label task.

    The default threshold is always a candidate and wins ties, so the
    calibrated F1 on these predictions is never below the default's.

    Returns: task -> ``dict(threshold, f1_default, f1_calibrated)``.
    """
    out = {}
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        keep = masks[:, i]
        if not task['multi_label'] or not keep.any():
            continue
        s, g = scores[keep, sl], gts[keep, sl]
        base = micro_f1(s, g, True, default)
        best_t, best = default, base
        for t in grid:
            f1 = micro_f1(s, g, True, float(t))
            if f1 > best:
                best_t, best = float(t), f1
        out[task['name']] = dict(threshold=best_t, f1_default=base,
                                 f1_calibrated=best)
    return out
