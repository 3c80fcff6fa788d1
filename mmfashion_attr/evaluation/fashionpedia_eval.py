"""Fashionpedia's detection-with-attributes AP on pycocotools' COCOeval:
a detection matches a ground-truth garment only where the IoU *and* the
F1 of their attribute sets both reach their thresholds (Jia et al.,
*Fashionpedia*, ECCV 2020, section 5.1; KMnP/fashionpedia-api
``fp_eval.py``).

Own subclass: COCOeval knows no second matching criterion. Here a pair
whose attribute F1 is below the threshold gets IoU -1, so COCOeval's own
matching, accumulation and AP run unchanged, once per F1 threshold.
"""
import contextlib
import io
from typing import Dict, Iterable, Optional

import numpy as np
from pycocotools.cocoeval import COCOeval

F1_THRESHOLDS = np.linspace(0.5, 0.95, 10)
F1_TYPES = ('binary_macro', 'positive')


def attribute_f1(gt: set, dt: set, num_attributes: int,
                 f1_type: str = 'binary_macro') -> float:
    """F1 between two attribute-id sets.

    ``binary_macro`` (Fashionpedia's evaluation code): over the multi-hot
    vectors of all ``num_attributes``, the mean of the F1 of label 1
    (present) and of label 0 (absent), each counted where it occurs in
    either vector (sklearn's ``f1_score(average='macro')``).
    ``positive``: the F1 of the present attributes alone, 1 where the
    ground truth has none (Kaggle iMaterialist-2020's rule).
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


class AttributeCOCOeval(COCOeval):
    """COCOeval matching on IoU and attribute F1 together.

    Args:
        coco_gt, coco_dt: pycocotools ``COCO`` objects; annotations and
            detections carry ``attribute_ids``.
        iou_type (str): ``'bbox'`` or ``'segm'``.
        f1_type (str): See :func:`attribute_f1`.
        attr_category_ids (Iterable[int], optional): Categories judged on
            attributes too; others on IoU alone. Default: those with an
            attribute on any ground-truth garment.
    """

    def __init__(self, coco_gt, coco_dt, iou_type: str = 'segm',
                 f1_type: str = 'binary_macro',
                 attr_category_ids: Optional[Iterable[int]] = None):
        super().__init__(coco_gt, coco_dt, iou_type)
        if f1_type not in F1_TYPES:
            raise ValueError(f'f1_type {f1_type!r}, expected one of '
                             f'{F1_TYPES}')
        self.f1_type = f1_type
        self.num_attributes = len(coco_gt.dataset.get('attributes', ())) or \
            1 + max((a for ann in coco_gt.dataset['annotations']
                     for a in ann.get('attribute_ids', ())), default=0)
        if attr_category_ids is None:
            attr_category_ids = {ann['category_id'] for ann in
                                 coco_gt.dataset['annotations']
                                 if ann.get('attribute_ids')}
        self.attr_category_ids = set(attr_category_ids)
        self.f1_thr = None  # None: IoU alone
        self._iou_cache, self._f1_cache = {}, {}

    def _pairs(self, img_id, cat_id):
        """Ground truths and detections in ``computeIoU``'s order."""
        p = self.params
        if p.useCats:
            gt, dt = self._gts[img_id, cat_id], self._dts[img_id, cat_id]
        else:
            gt = [g for c in p.catIds for g in self._gts[img_id, c]]
            dt = [d for c in p.catIds for d in self._dts[img_id, c]]
        order = np.argsort([-d['score'] for d in dt], kind='mergesort')
        return gt, [dt[i] for i in order][:p.maxDets[-1]]

    def pair_f1(self, img_id, cat_id) -> np.ndarray:
        """``(detections, ground truths)`` attribute F1."""
        key = img_id, cat_id
        if key not in self._f1_cache:
            gt, dt = self._pairs(img_id, cat_id)
            self._f1_cache[key] = np.array(
                [[attribute_f1(set(g.get('attribute_ids', ())),
                               set(d.get('attribute_ids', ())),
                               self.num_attributes, self.f1_type)
                  for g in gt] for d in dt]).reshape(len(dt), len(gt))
        return self._f1_cache[key]

    def computeIoU(self, imgId, catId):  # noqa: N802 (COCOeval's name)
        key = imgId, catId
        if key not in self._iou_cache:
            self._iou_cache[key] = super().computeIoU(imgId, catId)
        ious = self._iou_cache[key]
        if (self.f1_thr is None or len(ious) == 0
                or catId not in self.attr_category_ids):
            return ious
        # below the F1 threshold: no IoU threshold is reached
        return np.where(self.pair_f1(imgId, catId) >= self.f1_thr, ious, -1)

    def precision_at(self, f1_thr: Optional[float]) -> np.ndarray:
        """COCOeval's precision ``[T, R, K, A, M]`` with pairs below
        ``f1_thr`` unmatched (None: IoU alone)."""
        self.f1_thr = f1_thr
        with contextlib.redirect_stdout(io.StringIO()):
            self.evaluate()
            self.accumulate()
        return self.eval['precision']

    def attribute_f1_of_matches(self, iou: float = 0.5):
        """Mean attribute F1 over the ground-truth garments of attribute
        categories, against the detection COCOeval matched to each at IoU
        ``iou`` (all areas, most detections); unmatched
        garments count 0. Call after ``precision_at(None)``."""
        t = int(np.argmin(np.abs(self.params.iouThrs - iou)))
        f1s, max_det = [], self.params.maxDets[-1]
        for e in self.evalImgs:
            if (e is None or e['aRng'] != self.params.areaRng[0]
                    or e['maxDet'] != max_det
                    or e['category_id'] not in self.attr_category_ids):
                continue
            gts = {g['id']: g for g in self.cocoGt.loadAnns(e['gtIds'])}
            for gt_id, dt_id, ignore in zip(e['gtIds'], e['gtMatches'][t],
                                            e['gtIgnore']):
                if ignore:
                    continue
                if dt_id == 0:
                    f1s.append(0.0)
                    continue
                dt = self.cocoDt.anns[int(dt_id)]
                f1s.append(attribute_f1(
                    set(gts[gt_id].get('attribute_ids', ())),
                    set(dt.get('attribute_ids', ())), self.num_attributes,
                    self.f1_type))
        return float(np.mean(f1s)) if f1s else -1.0


def _mean_valid(values) -> float:
    values = np.concatenate([np.ravel(v) for v in values]) if values else []
    values = np.asarray(values)
    values = values[values > -1]
    return float(values.mean()) if values.size else -1.0


def fashionpedia_summary(coco_gt, coco_dt, iou_type: str = 'segm',
                         f1_type: str = 'binary_macro',
                         attr_category_ids=None) -> Dict[str, float]:
    """The summary numbers, keyed by what they are.

    ``ap_iou_f1``: AP over IoU 0.50:0.95 and F1 0.50:0.95 jointly
    (Fashionpedia's AP: an attribute category counts once per F1
    threshold, the others once, on IoU alone); ``ap_iou_f1_50`` /
    ``ap_iou_f1_75``: IoU and F1 both at 0.50 / 0.75; ``ap``, ``ap50``,
    ``ap75``: plain COCO AP (no F1); ``attr_f1``: mean attribute F1 of the
    ground-truth garments, each against its IoU-0.5 match (0 if none).
    """
    ev = AttributeCOCOeval(coco_gt, coco_dt, iou_type, f1_type,
                           attr_category_ids)
    iou_thrs = ev.params.iouThrs
    plain = ev.precision_at(None)[..., 0, -1]  # all areas, 100 dets
    out = dict(
        ap=_mean_valid([plain]),
        ap50=_mean_valid([plain[np.isclose(iou_thrs, 0.5)]]),
        ap75=_mean_valid([plain[np.isclose(iou_thrs, 0.75)]]),
        attr_f1=ev.attribute_f1_of_matches(0.5))
    per_f1 = [ev.precision_at(float(f))[..., 0, -1] for f in F1_THRESHOLDS]
    attr_k = [k for k, c in enumerate(ev.params.catIds)
              if c in ev.attr_category_ids]
    other_k = [k for k in range(len(ev.params.catIds)) if k not in attr_k]

    def joint(iou_sel, f1_sel):
        parts = [plain[iou_sel][:, :, other_k]]
        parts += [per_f1[i][iou_sel][:, :, attr_k] for i in f1_sel]
        return _mean_valid(parts)

    every = slice(None)
    out['ap_iou_f1'] = joint(every, range(len(F1_THRESHOLDS)))
    for v in (50, 75):
        out[f'ap_iou_f1_{v}'] = joint(
            np.isclose(iou_thrs, v / 100),
            [int(np.argmin(np.abs(F1_THRESHOLDS - v / 100)))])
    return out
