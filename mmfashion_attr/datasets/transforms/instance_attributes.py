"""Per-instance attributes through mmdet's detection pipeline.

mmdet's transforms that drop instances (``RandomCrop``,
``FilterAnnotations``...) or add other images' (``CopyPaste``, ``MixUp``,
``Mosaic``) index only their own fixed keys, so a ``gt_attr`` array beside
them would fall out of step. ``KeepInstanceAttributes`` wraps such
transforms: it writes each instance's index into the high bits of its
label (numbering the other images' instances, ``mix_results``, after the
image's own), runs them, then reads back which instances survived, from
which image, in which order, and builds ``gt_attr`` to match.
``PackDetInputsWithAttributes`` refuses rows that no longer match the
instances (a transform left unwrapped).
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
    they keep, including instances taken from other images (one
    multi-image transform, e.g. ``CopyPaste``, ``MixUp``, per wrapper; its
    ``get_indexes`` is exposed so ``MultiImageMixDataset`` fills
    ``mix_results``, whose samples need ``gt_attr`` too). The wrapped
    transforms may drop, reorder and add instances but must not read
    label values (none of mmdet's geometric or mixing ones do).

    Args:
        transforms (list[dict]): The wrapped transforms.
    """

    def __init__(self, transforms: List[dict]):
        self.transforms = Compose(transforms)
        mixing = [t for t in self.transforms.transforms
                  if hasattr(t, 'get_indexes')]
        if len(mixing) > 1:
            raise ValueError(
                'KeepInstanceAttributes: wrap each multi-image transform '
                'separately, not ' + ', '.join(type(t).__name__
                                               for t in mixing))
        if mixing:
            self.get_indexes = mixing[0].get_indexes

    def transform(self, results: dict):
        dtype = results['gt_bboxes_labels'].dtype
        sources = [results, *results.get('mix_results', ())]
        attrs, offset = [], 0
        for src in sources:
            if 'gt_attr' not in src:
                raise KeyError(f'{src.get("img_path")}: no gt_attr; put '
                               'LoadInstanceAttributes in the pipeline '
                               'that loads every image mixed in')
            labels = src['gt_bboxes_labels']
            if labels.size and labels.max() >= 1 << INDEX_SHIFT:
                raise ValueError(f'{src.get("img_path")}: label '
                                 f'{labels.max()} too large to carry an '
                                 'instance index')
            index = np.arange(offset, offset + len(labels), dtype=np.int64)
            src['gt_bboxes_labels'] = labels.astype(np.int64) + (
                index << INDEX_SHIFT)
            attrs.append(src['gt_attr'])
            offset += len(labels)
        out = self.transforms(results)
        if out is None:  # a transform discarded the sample
            return None
        encoded = out['gt_bboxes_labels']
        kept = encoded >> INDEX_SHIFT
        out['gt_bboxes_labels'] = (encoded & ((1 << INDEX_SHIFT) - 1)
                                   ).astype(dtype)
        out['gt_attr'] = np.concatenate(attrs)[kept]
        return out

    def __repr__(self):
        return f'{type(self).__name__}({self.transforms})'


@TRANSFORMS.register_module()
class PackDetInputsWithAttributes(PackDetInputs):
    """``PackDetInputs`` that also packs ``gt_attr`` as
    ``gt_instances.attributes`` (ignored instances' in
    ``ignored_instances``); an error when its rows no longer match the
    instances (a transform that drops or adds instances ran outside
    ``KeepInstanceAttributes``)."""
    mapping_table = dict(PackDetInputs.mapping_table, gt_attr='attributes')

    def transform(self, results: dict) -> dict:
        if 'gt_attr' in results and 'gt_bboxes_labels' in results and len(
                results['gt_attr']) != len(results['gt_bboxes_labels']):
            raise ValueError(
                f'{results.get("img_path")}: {len(results["gt_attr"])} '
                f'attribute rows for {len(results["gt_bboxes_labels"])} '
                'instances: wrap the transforms that drop or add instances '
                '(RandomCrop, FilterAnnotations, CopyPaste, MixUp, Mosaic'
                '...) in KeepInstanceAttributes')
        return super().transform(results)
