"""Attribute Mask R-CNN's evaluator: the detections as Fashionpedia-format
results (``attribute_ids`` per detection), scored by
``fashionpedia_summary`` for masks and boxes.

Own metric: mmdet's ``CocoMetric`` knows no attributes; this one keeps its
conventions (``ann_file``, ``outfile_prefix``, ``bbox_*`` / ``segm_*``
keys).
"""
import contextlib
import io
import json
from typing import Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get_local_path
from mmengine.logging import print_log
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from .fashionpedia_eval import F1_TYPES, fashionpedia_summary


def to_results(pred: dict, img_id, cat_ids: Sequence[int],
               attribute_ids: Sequence[int], attr_thr: float,
               score_thr: float) -> list:
    """Fashionpedia-format results of one image's ``pred_instances``."""
    keep = (pred['scores'] >= score_thr).cpu().numpy()
    boxes = pred['bboxes'].cpu().numpy()[keep]
    scores = pred['scores'].cpu().numpy()[keep]
    labels = pred['labels'].cpu().numpy()[keep]
    attrs = pred['attr_scores'].cpu().numpy()[keep]
    masks = pred['masks'].cpu().numpy()[keep] if 'masks' in pred else None
    out = []
    for i, (box, score, label) in enumerate(zip(boxes, scores, labels)):
        x1, y1, x2, y2 = (float(v) for v in box)
        det = dict(image_id=img_id, category_id=int(cat_ids[label]),
                   bbox=[x1, y1, x2 - x1, y2 - y1], score=float(score),
                   attribute_ids=[int(attribute_ids[a]) for a in
                                  np.flatnonzero(attrs[i] >= attr_thr)],
                   attribute_scores=[round(float(s), 4) for s in attrs[i]
                                     [attrs[i] >= attr_thr]])
        if masks is not None:
            rle = mask_utils.encode(np.asfortranarray(
                masks[i].astype(np.uint8)))
            det['segmentation'] = dict(counts=rle['counts'].decode('ascii'),
                                       size=[int(v) for v in rle['size']])
        out.append(det)
    return out


@METRICS.register_module()
class FashionpediaMetric(BaseMetric):
    """AP with IoU and attribute F1 jointly, plain AP, attribute F1.

    Args:
        ann_file (str): The ground truth (Fashionpedia-style JSON).
        iou_types (Sequence[str]): ``'segm'`` and/or ``'bbox'``.
        attr_thr (float): Attribute score from which a detection has it.
            Default: 0.5 (the seed's).
        score_thr (float): Detections below this class score are left out.
            Default: 0.5 (the seed's).
        f1_type (str): ``'binary_macro'`` (Fashionpedia's code) or
            ``'positive'`` (Kaggle iMaterialist-2020's).
        outfile_prefix (str, optional): Write ``{prefix}.attr.json``, the
            results in the format ``eval_fashionpedia.py`` reads.
    """
    default_prefix = 'fashionpedia'

    def __init__(self, ann_file: str, iou_types: Sequence[str] = ('segm',
                                                                  'bbox'),
                 attr_thr: float = 0.5, score_thr: float = 0.5,
                 f1_type: str = 'binary_macro',
                 outfile_prefix: Optional[str] = None, **kwargs):
        super().__init__(**kwargs)
        if f1_type not in F1_TYPES:
            raise ValueError(f'f1_type {f1_type!r}, expected one of '
                             f'{F1_TYPES}')
        self.ann_file, self.iou_types = ann_file, list(iou_types)
        self.attr_thr, self.score_thr = attr_thr, score_thr
        self.f1_type, self.outfile_prefix = f1_type, outfile_prefix
        with get_local_path(ann_file) as path, \
                contextlib.redirect_stdout(io.StringIO()):
            self.coco = COCO(path)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        meta = self.dataset_meta
        cat_ids = meta.get('category_ids') or self.coco.getCatIds(
            catNms=list(meta['classes']))
        for sample in data_samples:
            self.results.extend(to_results(
                sample['pred_instances'], sample['img_id'], cat_ids,
                meta['attribute_ids'], self.attr_thr, self.score_thr))

    def compute_metrics(self, results: list) -> dict:
        if self.outfile_prefix:
            path = f'{self.outfile_prefix}.attr.json'
            with open(path, 'w') as f:
                json.dump(results, f)
            print_log(f'results written to {path}', logger='current')
        metrics = {}
        for iou_type in self.iou_types:
            if results:
                with contextlib.redirect_stdout(io.StringIO()):
                    dt = self.coco.loadRes([dict(r) for r in results])
            else:
                dt = COCO()
            summary = fashionpedia_summary(self.coco, dt, iou_type,
                                           self.f1_type)
            metrics.update({f'{iou_type}_{k}': round(v, 4)
                            for k, v in summary.items()})
        return metrics
