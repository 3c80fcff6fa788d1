"""Attribute top-k recall of the DeepFashion protocol (Liu et al., CVPR
2016; M2Fashion's Table 1), overall and per attribute type.

Pooled over images: ``recall@k = sum_i |topk(s_i) ∩ P_i| / sum_i |P_i|``
with ``P_i`` the positive (1) attributes of image i; unknown (0) and negative
(-1) ones are not positives. The per-type figure ranks only that type's
attributes; a type without any positive (e.g. all given) is left out.
Own code: mmpretrain's ``MultiLabelMetric`` thresholds or takes
top-k per sample but averages per class or per sample, not pooled.
"""
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..datasets.deepfashion_c.lists import ATTRIBUTE_TYPES


def topk_hits(scores: np.ndarray, positive: np.ndarray, k: int):
    """Per image: positives among the top k scores, and positives."""
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    hits = np.take_along_axis(positive, top, axis=1).sum(1)
    return hits, positive.sum(1)


def mmfashion_recall(scores, positive, k: int, best: int = 50) -> float:
    """open-mmlab/mmfashion's figure: per-attribute recall at top k (of
    the attributes with a positive), averaged over the ``best`` highest."""
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    in_top = np.zeros_like(positive)
    np.put_along_axis(in_top, top, True, axis=1)
    pos = positive.sum(0)
    has = pos > 0
    recall = (in_top & positive).sum(0)[has] / pos[has]
    return float(np.sort(recall)[::-1][:best].mean())


@METRICS.register_module()
class AttributeTopKRecall(BaseMetric):
    """Pooled attribute recall at top k, overall and per attribute type.

    Reads ``pred_attr_score`` and ``attr_states`` (1 / -1 / 0) of each data
    sample and ``dataset_meta['attribute_types']`` (1-5). Attributes whose
    state the model was given (``known_states`` != 0) are neither ranked nor
    counted: the figure is about predicting the rest.

    Args:
        topk (Sequence[int]): The k values (the protocol: 3 and 5).
        mmfashion (bool): Also report open-mmlab/mmfashion's figure (mean of
            the 50 best per-attribute recalls), as ``mmfashion_top50@k``,
            to compare with its model zoo; it is not the protocol's.
        skip_types (Sequence[int]): Attribute types whose labelled (1 / -1)
            attributes are neither ranked nor counted though not given:
            exactly those ``known_types`` would give, so that a run with
            nothing given is measured on the same attributes as one given
            those types.
    """
    default_prefix = 'attr'

    def __init__(self, topk: Sequence[int] = (3, 5), mmfashion: bool = False,
                 skip_types: Sequence[int] = (), collect_device: str = 'cpu',
                 prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)
        self.mmfashion = mmfashion
        self.skip_types = tuple(skip_types)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = sample['pred_attr_score']
            if isinstance(score, torch.Tensor):
                score = score.detach().cpu().numpy()
            score = np.array(score, np.float32)
            positive = np.asarray(sample['attr_states']) == 1
            given = np.zeros(score.shape, bool)
            if 'known_states' in sample:
                given = np.asarray(sample['known_states']) != 0
            if self.skip_types:
                given |= np.isin(self.dataset_meta['attribute_types'],
                                 self.skip_types) & (
                                     np.asarray(sample['attr_states']) != 0)
            score[given], positive = -np.inf, positive & ~given
            self.results.append((score, positive))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        scores = np.stack([r[0] for r in results])
        positive = np.stack([r[1] for r in results])
        types = np.asarray(self.dataset_meta['attribute_types'])
        metrics = {}
        for k in self.topk:
            hits, total = topk_hits(scores, positive, k)
            metrics[f'recall@{k}'] = 100.0 * hits.sum() / max(total.sum(), 1)
            for t, name in ATTRIBUTE_TYPES.items():
                cols = np.flatnonzero(types == t)
                if len(cols) and positive[:, cols].any():
                    hits, total = topk_hits(scores[:, cols],
                                            positive[:, cols], k)
                    metrics[f'{name}_recall@{k}'] = \
                        100.0 * hits.sum() / total.sum()
            if self.mmfashion:
                metrics[f'mmfashion_top50@{k}'] = 100.0 * mmfashion_recall(
                    scores, positive, k)
        return metrics
