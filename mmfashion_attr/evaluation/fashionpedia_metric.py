"""Attribute Mask R-CNN's evaluator: every detection the model returns (its
``test_cfg`` decides, as for mmdet's ``CocoMetric``) as Fashionpedia-format
results (``attribute_ids`` per detection), scored by ``FashionpediaEval``
(the official ``FPEval``'s AP) for masks and boxes.

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

from mmfashion_attr.datasets.fashionpedia.categories import (
    AttrCategories, class_category_ids, resolve_attr_categories)
from .fashionpedia_eval import F1_TYPES, MODES, fashionpedia_summary


def to_results(pred: dict, img_id, cat_ids: Sequence[int],
               attribute_ids: Sequence[int], attr_thr: float,
               score_thr: float = 0.0,
               attr_category_ids: Optional[Sequence[int]] = None) -> list:
    """Fashionpedia-format results of one image's ``pred_instances``.

    Args:
        cat_ids, attribute_ids: The id of each class / attribute index.
        attr_thr (float): Attribute score from which a detection has it.
        score_thr (float): Detections below it are left out: 0 for
            evaluation (every detection), the drawing threshold for a demo.
        attr_category_ids (Sequence[int], optional): Only detections of
            these categories get attributes. Default: all.
    """
    keep = (pred['scores'] >= score_thr).cpu().numpy()
    boxes = pred['bboxes'].cpu().numpy()[keep]
    scores = pred['scores'].cpu().numpy()[keep]
    labels = pred['labels'].cpu().numpy()[keep]
    attrs = pred['attr_scores'].cpu().numpy()[keep]
    masks = pred['masks'].cpu().numpy()[keep] if 'masks' in pred else None
    out = []
    for i, (box, score, label) in enumerate(zip(boxes, scores, labels)):
        x1, y1, x2, y2 = (float(v) for v in box)
        cat_id = int(cat_ids[label])
        has = attrs[i] >= attr_thr
        if attr_category_ids is not None and cat_id not in attr_category_ids:
            has[:] = False
        det = dict(image_id=img_id, category_id=cat_id,
                   bbox=[x1, y1, x2 - x1, y2 - y1], score=float(score),
                   attribute_ids=[int(attribute_ids[a])
                                  for a in np.flatnonzero(has)],
                   attribute_scores=[round(float(s), 4)
                                     for s in attrs[i][has]])
        if masks is not None:
            rle = mask_utils.encode(np.asfortranarray(
                masks[i].astype(np.uint8)))
            det['segmentation'] = dict(counts=rle['counts'].decode('ascii'),
                                       size=[int(v) for v in rle['size']])
        out.append(det)
    return out


@METRICS.register_module()
class FashionpediaMetric(BaseMetric):
    """Fashionpedia's AP (FPEval's): with IoU and attribute F1 jointly and
    with IoU alone, for masks and boxes; and attribute F1 of the matches.

    Keys ``{segm,bbox}_{iou_f1,iou}_{FPEval's key}`` (``AP``,
    ``AP_IOU50``, ``AP_IOU75``, ``AP_F150`` ... ``AP_IOU75_F175``,
    ``APs/m/l``, ``AR@1/10/100``, ``ARs/m/l@100``) and
    ``{segm,bbox}_attr_f1``; see ``configs/attr_mask_rcnn/README.md``.

    Args:
        ann_file (str): The ground truth (Fashionpedia-style JSON).
        iou_types (Sequence[str]): ``'segm'`` and/or ``'bbox'``.
        attr_thr (float): Attribute score from which a detection has it.
            Default: 0.5 (the seed's).
        attr_categories (optional): Categories judged on attributes:
            ``'fashionpedia'``, ``'all'``, or names / ids (see
            ``resolve_attr_categories``). Default: the dataset's
            (``metainfo['attr_category_ids']``), else ``'fashionpedia'``.
        f1_type (str): ``'binary_macro'`` (FPEval's) or ``'positive'``
            (the seed's F1 inside the same AP).
        modes (Sequence[str]): FPEval's summaries to report: ``'iou_f1'``,
            ``'iou'``, ``'f1'``. Default: ``('iou_f1', 'iou')``.
        outfile_prefix (str, optional): Write ``{prefix}.attr.json``, the
            results in the format ``eval_fashionpedia.py`` reads.
    """
    default_prefix = 'fashionpedia'

    def __init__(self, ann_file: str, iou_types: Sequence[str] = ('segm',
                                                                  'bbox'),
                 attr_thr: float = 0.5,
                 attr_categories: Optional[AttrCategories] = None,
                 f1_type: str = 'binary_macro',
                 modes: Sequence[str] = ('iou_f1', 'iou'),
                 outfile_prefix: Optional[str] = None, **kwargs):
        if 'score_thr' in kwargs:
            raise TypeError(
                'FashionpediaMetric has no score_thr: AP is computed on '
                "every detection the model returns (its test_cfg's "
                'rcnn.score_thr decides, as for CocoMetric); a class-score '
                'threshold is for drawing and the demo (--score-thr)')
        super().__init__(**kwargs)
        if f1_type not in F1_TYPES:
            raise ValueError(f'f1_type {f1_type!r}, expected one of '
                             f'{F1_TYPES}')
        if not set(modes) <= set(MODES):
            raise ValueError(f'modes {modes}, expected some of {MODES}')
        self.ann_file, self.iou_types = ann_file, list(iou_types)
        self.attr_thr, self.attr_categories = attr_thr, attr_categories
        self.f1_type, self.modes = f1_type, tuple(modes)
        self.outfile_prefix = outfile_prefix
        with get_local_path(ann_file) as path, \
                contextlib.redirect_stdout(io.StringIO()):
            self.coco = COCO(path)
        self._ids = None

    def ids(self):
        """``(category id per class, attribute categories' ids)`` from the
        dataset's meta, checked against ``ann_file``."""
        if self._ids is None:
            meta = self.dataset_meta
            classes = list(meta['classes'])
            by_name = class_category_ids(
                classes, self.coco.dataset['categories'], self.ann_file)
            cat_ids = tuple(meta.get('category_ids') or by_name)
            if cat_ids != by_name:
                raise ValueError(f'{self.ann_file}: the dataset\'s category '
                                 f'ids {cat_ids} are not this file\'s '
                                 f'{by_name} for the classes {classes}')
            from_data = meta.get('attr_category_ids')
            spec = self.attr_categories
            if spec is None:
                spec = 'fashionpedia' if from_data is None else from_data
            attr_ids = resolve_attr_categories(spec, classes, cat_ids,
                                               self.ann_file)
            if from_data is not None and set(from_data) != set(attr_ids):
                raise ValueError(
                    f'attr_categories {spec!r} gives categories '
                    f'{attr_ids}, the dataset\'s are {tuple(from_data)}')
            self._ids = cat_ids, attr_ids
        return self._ids

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        cat_ids, attr_ids = self.ids()
        # one entry per image: BaseMetric.evaluate(size) keeps the first
        # `size` (the number of images) entries, to drop distributed padding
        for sample in data_samples:
            self.results.append(to_results(
                sample['pred_instances'], sample['img_id'], cat_ids,
                self.dataset_meta['attribute_ids'], self.attr_thr,
                attr_category_ids=attr_ids))

    def compute_metrics(self, results: list) -> dict:
        """Scores ``results``: per image, its detections' result dicts."""
        results = [det for image in results for det in image]
        if self.outfile_prefix:
            path = f'{self.outfile_prefix}.attr.json'
            with open(path, 'w') as f:
                json.dump(results, f)
            print_log(f'results written to {path}', logger='current')
        metrics = {}
        for iou_type in self.iou_types:
            # loadRes adds keys to the dicts it gets: a copy per IoU type
            if results:
                with contextlib.redirect_stdout(io.StringIO()):
                    dt = self.coco.loadRes([dict(r) for r in results])
            else:
                dt = COCO()
            summary = fashionpedia_summary(self.coco, dt, iou_type,
                                           self.f1_type, self.ids()[1],
                                           self.modes)
            metrics.update({f'{iou_type}_{k}': round(v, 4)
                            for k, v in summary.items()})
        return metrics
