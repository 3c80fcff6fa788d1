"""Per-instance attributes through mmdet's detection pipeline.

mmdet's transforms that drop instances (``RandomCrop``,
``FilterAnnotations``...) index only their own fixed keys, so a
``gt_attr`` array beside them would fall out of step.
``KeepInstanceAttributes`` wraps such transforms: it writes each
instance's index into the high bits of its label, runs them, then reads
back which instances survived, in which order, and reorders ``gt_attr``
to match.
"""
from typing import List

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS

INDEX_SHIFT = 20  # labels < 2**20; instance index in the bits above


@TRANSFORMS.register_module()
class LoadInstanceAttributes(BaseTransform):
    """``gt_attr``: ``(instances, attributes)`` uint8 multi-hot from each
    instance's ``attr_ids``, in the order of ``LoadAnnotations``' boxes
    (put it right after that)."""

    def transform(self, results: dict) -> dict:
        instances = results['instances']
        gt_attr = np.zeros((len(instances), results['num_attributes']),
                           np.uint8)
        for row, instance in zip(gt_attr, instances):
            row[instance['attr_ids']] = 1
        results['gt_attr'] = gt_attr
        return results


@TRANSFORMS.register_module()
class KeepInstanceAttributes(BaseTransform):
    """Run ``transforms`` keeping ``gt_attr`` aligned with the instances
    they keep. The wrapped transforms may drop and reorder instances but
    must not read label values (none of mmdet's geometric ones do).

    Args:
        transforms (list[dict]): The wrapped transforms.
    """

    def __init__(self, transforms: List[dict]):
        self.transforms = Compose(transforms)

    def transform(self, results: dict):
        labels = results['gt_bboxes_labels']
        if labels.size and labels.max() >= 1 << INDEX_SHIFT:
            raise ValueError(f'label {labels.max()} too large to carry an '
                             'instance index')
        index = np.arange(len(labels), dtype=np.int64)
        results['gt_bboxes_labels'] = labels.astype(np.int64) + (
            index << INDEX_SHIFT)
        out = self.transforms(results)
        if out is None:  # a transform discarded the sample
            return None
        encoded = out['gt_bboxes_labels']
        kept = encoded >> INDEX_SHIFT
        out['gt_bboxes_labels'] = (encoded & ((1 << INDEX_SHIFT) - 1)
                                   ).astype(labels.dtype)
        out['gt_attr'] = out['gt_attr'][kept]
        return out

    def __repr__(self):
        return f'{type(self).__name__}({self.transforms})'


@TRANSFORMS.register_module()
class PackDetInputsWithAttributes(PackDetInputs):
    """``PackDetInputs`` that also packs ``gt_attr`` as
    ``gt_instances.attributes`` (ignored instances' in
    ``ignored_instances``)."""
    mapping_table = dict(PackDetInputs.mapping_table, gt_attr='attributes')
