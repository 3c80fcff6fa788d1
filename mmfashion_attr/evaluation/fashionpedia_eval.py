"""Fashionpedia's AP for detection with attributes, as its official
evaluator computes it (``FPEval``, KMnP/fashionpedia-api
``fashionpedia/fp_eval.py``; Jia et al., *Fashionpedia*, ECCV 2020).

- Categories with attributes (a given id set; Fashionpedia's 18 by
  default) are matched on IoU and attribute F1 together, at every pair of
  IoU threshold (0.50:0.95 and -1, "no IoU constraint") and F1 threshold
  (0.50:0.95 and -1); the others on IoU alone, as in COCO.
- Matching follows COCO's greedy order (detections by score, ground truths
  not ignored first), but a detection moves from one ground truth to a
  later one only if that one's IoU *and* F1 both reach the best match's so
  far: both bars are raised, not the IoU's alone.
- Precision and recall are accumulated per (IoU, F1) threshold pair as
  COCO does per IoU threshold. A summary averages over IoU thresholds, and
  over the F1 thresholds as if each were another category: an attribute
  category counts once per F1 threshold, the others once.

Own subclass of pycocotools' ``COCOeval`` (its IoU, per-threshold
accumulation and parameters reused): the official class needs an old numpy
(``np.float``) and its own COCO class, and compares category ids with
category indices (the same only where ids are 0..K-1).
"""
import contextlib
import copy
import io
from typing import Dict, Iterable, Sequence

import numpy as np
from pycocotools.cocoeval import COCOeval

from mmfashion_attr.datasets.fashionpedia.categories import \
    FASHIONPEDIA_ATTR_CATEGORIES

F1_THRESHOLDS = np.linspace(0.5, 0.95, 10)
F1_TYPES = ('binary_macro', 'positive')
# FPEval's three summaries: IoU and F1 (``results``), IoU alone
# (``resultDet``), F1 alone (``resultF1``)
MODES = ('iou_f1', 'iou', 'f1')


def attribute_f1(gt: set, dt: set, num_attributes: int,
                 f1_type: str = 'binary_macro') -> float:
    """F1 between two attribute-id sets.

    ``binary_macro`` (FPEval's): over the multi-hot vectors of all
    ``num_attributes``, the mean of the F1 of label 1 (present) and of
    label 0 (absent), each counted where it occurs in either vector
    (sklearn's ``f1_score(average='macro')``).
    ``positive``: the F1 of the present attributes alone, 1 where the
    ground truth has none (the seed's rule, section 3.3 of Gupta et al.).
    """
    tp, fp, fn = len(gt & dt), len(dt - gt), len(gt - dt)
    if f1_type == 'positive':
        return 1.0 if not gt else 2 * tp / (2 * tp + fp + fn)
    if f1_type != 'binary_macro':
        raise ValueError(f'f1_type {f1_type!r}, expected one of {F1_TYPES}')
    tn = num_attributes - len(gt | dt)
    scores = []
    if gt or dt:  # label 1 occurs
        scores.append(2 * tp / (2 * tp + fp + fn))
    if tn + fp + fn > 0:  # label 0 occurs
        scores.append(2 * tn / (2 * tn + fp + fn))
    return float(np.mean(scores))


class FashionpediaEval(COCOeval):
    """``COCOeval`` with FPEval's joint IoU and attribute-F1 matching.

    ``eval['precision']`` is ``[T + 1, F + 1, R, K, A, M]`` and
    ``eval['recall']`` ``[T + 1, F + 1, K, A, M]``: the last IoU and F1
    entries are FPEval's -1 ("no constraint").

    Args:
        coco_gt, coco_dt: pycocotools ``COCO`` objects; the ground truth
            has an ``attributes`` list, annotations and detections carry
            ``attribute_ids``.
        iou_type (str): ``'bbox'`` or ``'segm'``.
        attr_category_ids (Iterable[int]): Categories judged on attributes
            too. Default: Fashionpedia's (FPEval's list).
        f1_type (str): See :func:`attribute_f1`.
    """

    def __init__(self, coco_gt, coco_dt, iou_type: str = 'segm',
                 attr_category_ids: Iterable[int] = tuple(
                     FASHIONPEDIA_ATTR_CATEGORIES),
                 f1_type: str = 'binary_macro'):
        super().__init__(coco_gt, coco_dt, iou_type)
        if f1_type not in F1_TYPES:
            raise ValueError(f'f1_type {f1_type!r}, expected one of '
                             f'{F1_TYPES}')
        self.f1_type = f1_type
        self.params.iouThrs = np.append(self.params.iouThrs, -1.0)
        self.f1_thrs = np.append(F1_THRESHOLDS, -1.0)
        self.attr_category_ids = {int(c) for c in attr_category_ids}
        self.attribute_ids = {a['id'] for a in
                              coco_gt.dataset.get('attributes', ())}
        if self.attr_category_ids and not self.attribute_ids:
            raise ValueError('the ground truth has no "attributes" list '
                             '(F1 is over all of its attributes)')

    def _attributes(self, ann: dict, what: str) -> set:
        attrs = set(ann.get('attribute_ids', ()))
        unknown = attrs - self.attribute_ids
        if unknown:
            raise ValueError(f'{what} has attribute ids '
                             f'{sorted(unknown)}, not in the ground truth\'s '
                             '"attributes" list')
        return attrs

    def compute_f1(self, img_id, cat_id) -> np.ndarray:
        """``(detections by score, ground truths)`` attribute F1, the
        layout of ``computeIoU``."""
        gt, dt = self._gts[img_id, cat_id], self._dts[img_id, cat_id]
        order = np.argsort([-d['score'] for d in dt], kind='mergesort')
        dt = [dt[i] for i in order][:self.params.maxDets[-1]]
        gt_attrs = [self._attributes(g, f'annotation {g["id"]}')
                    for g in gt]
        # loadRes numbers the detections from 1 in the results' order
        return np.array([[attribute_f1(
            g, self._attributes(d, f'detection {d["id"] - 1} (from 0)'),
            len(self.attribute_ids), self.f1_type) for g in gt_attrs]
            for d in dt]).reshape(len(dt), len(gt))

    def evaluate(self):
        """Per image, category and area range: matches at every (IoU, F1)
        threshold pair."""
        p = self.params
        if not p.useCats:
            raise ValueError('attribute matching needs useCats=1')
        p.imgIds = list(np.unique(p.imgIds))
        p.catIds = list(np.unique(p.catIds))
        p.maxDets = sorted(p.maxDets)
        self._prepare()
        self.ious = {(i, c): self.computeIoU(i, c)
                     for i in p.imgIds for c in p.catIds}
        self.f1s = {(i, c): self.compute_f1(i, c) for i in p.imgIds
                    for c in p.catIds if c in self.attr_category_ids}
        self.evalImgs = [self.evaluateImg(i, c, a, p.maxDets[-1])
                         for c in p.catIds for a in p.areaRng
                         for i in p.imgIds]
        self._paramsEval = copy.deepcopy(p)

    def evaluateImg(self, imgId, catId, aRng, maxDet):  # noqa: N802,N803
        """COCO's per-image matching, ``dtMatches`` / ``gtMatches`` /
        ``dtIgnore`` with an F1 axis: ``[T, F, n]`` for attribute
        categories, ``[T, 1, n]`` for the others."""
        if catId not in self.attr_category_ids:
            out = super().evaluateImg(imgId, catId, aRng, maxDet)
            if out is not None:
                for key in ('dtMatches', 'gtMatches', 'dtIgnore'):
                    out[key] = out[key][:, None]
            return out
        gt, dt = self._gts[imgId, catId], self._dts[imgId, catId]
        if not gt and not dt:
            return None
        for g in gt:
            g['_ignore'] = int(bool(g['ignore'] or g['area'] < aRng[0]
                                    or g['area'] > aRng[1]))
        gt_order = np.argsort([g['_ignore'] for g in gt], kind='mergesort')
        gt = [gt[i] for i in gt_order]
        dt_order = np.argsort([-d['score'] for d in dt], kind='mergesort')
        dt = [dt[i] for i in dt_order[:maxDet]]
        ious, f1s = self.ious[imgId, catId], self.f1s[imgId, catId]
        if len(ious):
            ious, f1s = ious[:, gt_order], f1s[:, gt_order]
        shape = len(self.params.iouThrs), len(self.f1_thrs)
        gt_ignore = np.array([g['_ignore'] for g in gt], dtype=int)
        gt_ids = np.array([g['id'] for g in gt])
        gtm = np.zeros(shape + (len(gt), ))
        dtm = np.zeros(shape + (len(dt), ))
        dt_ignore = np.zeros(shape + (len(dt), ), dtype=bool)
        # all threshold pairs at once: (T, F) arrays of the bars
        iou_floor = np.minimum(self.params.iouThrs, 1 - 1e-10)[:, None]
        f1_floor = np.minimum(self.f1_thrs, 1 - 1e-10)[None, :]
        for d, det in enumerate(dt if len(ious) else ()):
            iou_bar = np.broadcast_to(iou_floor, shape)
            f1_bar = np.broadcast_to(f1_floor, shape)
            best = np.full(shape, -1)
            for g in range(len(gt)):
                ok = ((gtm[:, :, g] == 0) & (ious[d, g] >= iou_bar)
                      & (f1s[d, g] >= f1_bar))
                if gt_ignore[g]:  # matched to a regular garment: stop
                    ok &= ~((best > -1)
                            & (gt_ignore[np.maximum(best, 0)] == 0))
                iou_bar = np.where(ok, ious[d, g], iou_bar)
                f1_bar = np.where(ok, f1s[d, g], f1_bar)
                best = np.where(ok, g, best)
            hit = best > -1
            if hit.any():
                t, f = np.nonzero(hit)
                dt_ignore[t, f, d] = gt_ignore[best[hit]] == 1
                dtm[t, f, d] = gt_ids[best[hit]]
                gtm[t, f, best[hit]] = det['id']
        outside = np.array([d['area'] < aRng[0] or d['area'] > aRng[1]
                            for d in dt], dtype=bool)
        dt_ignore |= (dtm == 0) & outside
        return dict(image_id=imgId, category_id=catId, aRng=aRng,
                    maxDet=maxDet, dtIds=[d['id'] for d in dt],
                    gtIds=[g['id'] for g in gt], dtMatches=dtm,
                    gtMatches=gtm, dtScores=[d['score'] for d in dt],
                    gtIgnore=gt_ignore, dtIgnore=dt_ignore)

    def accumulate(self, p=None):
        """``COCOeval.accumulate`` once per F1 threshold (categories
        without attributes: their one IoU-only slot each time)."""
        per_image, precision, recall = self.evalImgs, [], []

        def at(e, f):
            return None if e is None else dict(e, **{
                k: e[k][:, min(f, e[k].shape[1] - 1)]
                for k in ('dtMatches', 'gtMatches', 'dtIgnore')})

        try:
            for f in range(len(self.f1_thrs)):
                self.evalImgs = [at(e, f) for e in per_image]
                with contextlib.redirect_stdout(io.StringIO()):
                    super().accumulate(p)
                precision.append(self.eval['precision'])
                recall.append(self.eval['recall'])
        finally:
            self.evalImgs = per_image
        self.eval.update(precision=np.stack(precision, 1),
                         recall=np.stack(recall, 1))

    def stat(self, kind: str = 'ap', iou: bool = True, f1: bool = True,
             iou_thr=None, f1_thr=None, area: str = 'all',
             max_dets: int = 100) -> float:
        """One of FPEval's summary numbers (its ``_summarize``): the mean
        over the IoU thresholds (``iou_thr``: that one; ``iou=False``: no
        IoU constraint), over F1 thresholds per attribute category
        (``f1_thr``: that one; ``f1=False``: none; categories without
        attributes: none), recall thresholds and categories; -1 if there
        is nothing to average."""
        p = self.params
        values = self.eval['precision' if kind == 'ap' else 'recall']
        values = values[..., p.areaRngLbl.index(area),
                        p.maxDets.index(max_dets)]
        if not iou:
            values = values[[-1]]
        elif iou_thr is None:
            values = values[:-1]
        else:
            values = values[np.flatnonzero(p.iouThrs == iou_thr)]
        f1_slots = (range(len(F1_THRESHOLDS)) if f1_thr is None else
                    np.flatnonzero(self.f1_thrs == f1_thr))
        parts = []
        for k, cat_id in enumerate(p.catIds):
            slots = f1_slots if f1 and cat_id in self.attr_category_ids \
                else [-1]
            parts.append(values[:, list(slots)][..., k].ravel())
        values = np.concatenate(parts) if parts else np.zeros(0)
        values = values[values > -1]
        return float(values.mean()) if values.size else -1.0

    def summary(self, mode: str = 'iou_f1') -> Dict[str, float]:
        """FPEval's summary under its keys (without its per-supercategory
        ones, fixed to Fashionpedia's category indices): ``mode``
        ``'iou_f1'``, ``'iou'`` or ``'f1'``."""
        if mode not in MODES:
            raise ValueError(f'mode {mode!r}, expected one of {MODES}')
        kw = dict(iou=mode != 'f1', f1=mode != 'iou')
        out = dict(AP=self.stat(**kw))
        if kw['iou']:
            for t in (50, 75):
                out[f'AP_IOU{t}'] = self.stat(iou_thr=t / 100, **kw)
        if kw['f1']:
            for f in (50, 75):
                out[f'AP_F1{f}'] = self.stat(f1_thr=f / 100, **kw)
        if kw['iou'] and kw['f1']:
            for t in (50, 75):
                for f in (50, 75):
                    out[f'AP_IOU{t}_F1{f}'] = self.stat(
                        iou_thr=t / 100, f1_thr=f / 100, **kw)
        for area in ('small', 'medium', 'large'):
            out[f'AP{area[0]}'] = self.stat(area=area, **kw)
        for max_dets in self.params.maxDets:
            out[f'AR@{max_dets}'] = self.stat('ar', max_dets=max_dets, **kw)
        for area in ('small', 'medium', 'large'):
            out[f'AR{area[0]}@100'] = self.stat('ar', area=area, **kw)
        return out

    def attribute_f1_of_matches(self, iou: float = 0.5) -> float:
        """Ours, not FPEval's: mean attribute F1 over the ground-truth
        garments of attribute categories against the detection matched to
        each at IoU ``iou`` without F1 constraint (all areas, most
        detections); unmatched garments count 0; -1 if none."""
        t = int(np.flatnonzero(self.params.iouThrs == iou)[0])
        f1s, max_det = [], self.params.maxDets[-1]
        for e in self.evalImgs:
            if (e is None or e['aRng'] != self.params.areaRng[0]
                    or e['maxDet'] != max_det
                    or e['category_id'] not in self.attr_category_ids):
                continue
            gts = {g['id']: g for g in self.cocoGt.loadAnns(e['gtIds'])}
            for gt_id, dt_id, ignore in zip(
                    e['gtIds'], e['gtMatches'][t, -1], e['gtIgnore']):
                if ignore:
                    continue
                dt = self.cocoDt.anns[int(dt_id)] if dt_id else None
                f1s.append(0.0 if dt is None else attribute_f1(
                    set(gts[gt_id].get('attribute_ids', ())),
                    set(dt.get('attribute_ids', ())),
                    len(self.attribute_ids), self.f1_type))
        return float(np.mean(f1s)) if f1s else -1.0


def fashionpedia_summary(coco_gt, coco_dt, iou_type: str = 'segm',
                         f1_type: str = 'binary_macro',
                         attr_category_ids: Iterable[int] = tuple(
                             FASHIONPEDIA_ATTR_CATEGORIES),
                         modes: Sequence[str] = ('iou_f1', 'iou')
                         ) -> Dict[str, float]:
    """FPEval's summaries as ``{mode}_{FPEval's key}`` (e.g.
    ``iou_f1_AP``, ``iou_f1_AP_IOU50_F150``, ``iou_AP_IOU50``,
    ``iou_AR@100``), plus ``attr_f1`` (see
    :meth:`FashionpediaEval.attribute_f1_of_matches`)."""
    ev = FashionpediaEval(coco_gt, coco_dt, iou_type, attr_category_ids,
                          f1_type)
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
        ev.accumulate()
    out = {f'{mode}_{key}': value for mode in modes
           for key, value in ev.summary(mode).items()}
    out['attr_f1'] = ev.attribute_f1_of_matches(0.5)
    return out
