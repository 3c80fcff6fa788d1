"""Fashionpedia's AP as its official evaluator (FPEval) computes it: values
by hand on small cases (tie-breaking between two garments of one category,
categories without attributes), official figures on random cases, and the
stand-alone tool on segm-only results."""
import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mmfashion_attr.evaluation.fashionpedia_eval import (attribute_f1,
                                                         fashionpedia_summary)
from tests.helpers.run_tool import run

BOX = [10, 10, 40, 40]  # x, y, w, h
AP_HALF = 51 / 101  # precision 1 up to recall 0.5 of COCO's 101 points


def cocos(anns, dets, num_attributes=4, num_images=1, categories=(1, 2)):
    gt = COCO()
    gt.dataset = dict(
        images=[dict(id=i, width=200, height=200, file_name=f'{i}.jpg')
                for i in range(1, num_images + 1)],
        categories=[dict(id=c, name=f'c{c}') for c in categories],
        attributes=[dict(id=i, name=f'a{i}') for i in range(num_attributes)],
        annotations=[dict(ann, id=i + 1, iscrowd=0,
                          area=ann['bbox'][2] * ann['bbox'][3])
                     for i, ann in enumerate(anns)])
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes([dict(d) for d in dets]) if dets else COCO()
    return gt, dt


def garment(bbox, attrs, category=1, image=1):
    return dict(image_id=image, category_id=category, bbox=bbox,
                attribute_ids=attrs)


def det(bbox, attrs, score, category=1, image=1):
    return dict(garment(bbox, attrs, category, image), score=score)


def test_f1_variants_by_hand():
    # gt {0, 1}, predicted {0}: present-label F1 2/3; absent-label
    # (tn 2, one missed) 4/5; FPEval's binary macro is their mean
    assert attribute_f1({0, 1}, {0}, 4, 'positive') == pytest.approx(2 / 3)
    assert attribute_f1({0, 1}, {0}, 4) == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert attribute_f1(set(), set(), 4) == 1.0
    assert attribute_f1(set(), {1}, 4, 'positive') == 1.0
    assert attribute_f1({0, 1}, {2, 3}, 4) == 0.0


def test_half_right_attributes_by_hand():
    """One of two shirts found, its F1 0.733: it passes F1 0.50..0.70 (5 of
    10 thresholds) at every IoU threshold."""
    gt, dt = cocos([garment(BOX, [0, 1]), garment([150, 150, 20, 20], [0])],
                   [det(BOX, [0], 0.9)])
    out = fashionpedia_summary(gt, dt, 'bbox', attr_category_ids=[1])
    assert out['iou_AP'] == pytest.approx(AP_HALF)
    assert out['iou_AP_IOU75'] == pytest.approx(AP_HALF)
    assert out['iou_f1_AP'] == pytest.approx(AP_HALF / 2)
    assert out['iou_f1_AP_F150'] == pytest.approx(AP_HALF)
    assert out['iou_f1_AP_F175'] == 0
    assert out['iou_f1_AP_IOU75_F150'] == pytest.approx(AP_HALF)
    assert out['iou_f1_AR@100'] == pytest.approx(0.25)
    assert out['iou_AR@1'] == pytest.approx(0.5)
    # medium (32^2 to 96^2 px): only the found shirt, F1 passed 5 of 10
    assert out['iou_f1_APm'] == pytest.approx(0.5)
    assert out['iou_f1_APs'] == 0  # the small shirt: not found
    assert out['iou_f1_APl'] == -1  # no large garment
    assert out['attr_f1'] == pytest.approx((2 / 3 + 4 / 5) / 4)


def test_category_without_attributes_by_hand():
    """The bag (category 2, no attributes) is judged on IoU alone and
    counts once; the missed shirt counts once per F1 threshold."""
    gt, dt = cocos([garment(BOX, [], category=2),
                    garment([150, 150, 20, 20], [0])],
                   [det(BOX, [3], 0.9, category=2)])
    out = fashionpedia_summary(gt, dt, 'bbox', attr_category_ids=[1])
    assert out['iou_f1_AP'] == pytest.approx(1 / 11)
    assert out['iou_AP'] == pytest.approx(1 / 2)
    out = fashionpedia_summary(gt, dt, 'bbox', attr_category_ids=[1, 2])
    assert out['iou_f1_AP'] == 0  # now its attributes are wrong: F1 0


# a detection D over two garments of one category: IoU 0.6 with A, 0.8
# with B (A and B side by side, IoU 0.4); D2, scored lower, is B exactly
A, B, D = [0, 0, 60, 10], [20, 0, 80, 10], [0, 0, 100, 10]


def two_garments(category):
    # 8 attributes; F1(D, A) = (4/5 + 10/11) / 2 = 0.855,
    # F1(D, B) = (2/5 + 8/11) / 2 = 0.564, F1(D2, B) = 1
    assert attribute_f1({0, 1}, {0, 1, 2}, 8) == pytest.approx(
        (4 / 5 + 10 / 11) / 2)
    assert attribute_f1({2, 3}, {0, 1, 2}, 8) == pytest.approx(
        (2 / 5 + 8 / 11) / 2)
    return cocos([garment(A, [0, 1], category), garment(B, [2, 3], category)],
                 [det(D, [0, 1, 2], 0.9, category),
                  det(B, [2, 3], 0.8, category)], num_attributes=8)


def test_tie_breaking_raises_both_bars():
    """FPEval: D takes A, the first garment passing both thresholds; B
    would need IoU >= 0.6 *and* F1 >= 0.855. D2 then takes B: both found.
    COCO's rule (highest IoU) gives D B, and D2 finds nothing (IoU 0.4
    with A): half the AP. FPEval raises the F1 bar even without an F1
    threshold, so its IoU-only AP differs from COCO's here too."""
    gt, dt = two_garments(category=1)
    out = fashionpedia_summary(gt, dt, 'bbox', attr_category_ids=[1])
    assert out['iou_f1_AP_IOU50_F150'] == pytest.approx(1.0)
    assert out['iou_AP_IOU50'] == pytest.approx(1.0)
    # F1 0.90 and 0.95: D matches neither (0.855, 0.564), D2 finds B:
    # precision 1/2 up to recall 1/2
    assert out['iou_f1_AP_IOU50'] == pytest.approx((8 + 2 * AP_HALF / 2)
                                                   / 10)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCOeval(gt, dt, 'bbox')
        coco.evaluate()
        coco.accumulate()
        coco.summarize()
    assert coco.stats[1] == pytest.approx(AP_HALF)


def test_category_without_attributes_breaks_ties_on_iou():
    """The same scene on a category without attributes: COCO's rule."""
    gt, dt = two_garments(category=2)
    out = fashionpedia_summary(gt, dt, 'bbox', attr_category_ids=[1])
    assert out['iou_AP_IOU50'] == pytest.approx(AP_HALF)
    assert out['iou_f1_AP_IOU50_F150'] == pytest.approx(AP_HALF)


def random_case(seed):
    """Ground truth and detections of 3 images, categories 0, 1 (with
    attributes in Fashionpedia), 13, 14 (without), 8 attributes; detections
    jittered around garments, attributes flipped, some with another
    category. Categories 0..14 are listed: FPEval takes ids for indices."""
    rng = np.random.default_rng(seed)
    anns, dets, cats = [], [], (0, 1, 13, 14)
    for i in range(1, 4):
        for _ in range(rng.integers(1, 6)):
            c = cats[rng.integers(0, 4)]
            x, y = rng.integers(0, 120, 2).tolist()
            w, h = rng.integers(10, 80, 2).tolist()
            attrs = sorted(set(rng.integers(0, 8, rng.integers(0, 4))
                               .tolist()))
            anns.append(garment([x, y, w, h], attrs, c, i))
            for _ in range(rng.integers(0, 4)):
                dx, dy, dw, dh = rng.integers(-15, 16, 4).tolist()
                flipped = set(attrs)
                for a in rng.integers(0, 8, rng.integers(0, 3)).tolist():
                    flipped ^= {a}
                cat = c if rng.random() < .9 else cats[rng.integers(0, 4)]
                dets.append(det([x + dx, y + dy, max(w + dw, 2),
                                 max(h + dh, 2)], sorted(flipped),
                                round(float(rng.random()), 2), cat, i))
    return cocos(anns, dets, num_attributes=8, num_images=3,
                 categories=range(15))


# Computed once (2026-11-29) by the official FPEval (KMnP/fashionpedia-api
# fp_eval.py at its HEAD, numpy shimmed with np.float = float, sklearn
# 1.9.1; its default attribute categories) on random_case(seed) written as
# files. Our evaluator agreed with all of its summary numbers (bar the
# per-supercategory ones) to 3e-16 on seeds 0-11; the evaluator before it
# differed in IoU+F1 AP on 12 of 12 such cases.
OFFICIAL = {
    1: dict(iou_f1_AP=0.171908, iou_f1_AP_IOU50=0.403358,
            iou_f1_AP_F150=0.188808, iou_f1_AP_IOU50_F150=0.427628,
            iou_f1_AP_IOU75_F175=0.167492, iou_f1_APl=-1,
            **{'iou_f1_AR@100': 0.221591, 'iou_AR@100': 0.31875,
               'f1_AR@100': 0.715909},
            iou_AP=0.188808, iou_AP_IOU50=0.427628, f1_AP=0.601839,
            f1_AP_F150=0.855198),
    8: dict(iou_f1_AP=0.015319, iou_f1_AP_IOU50=0.034928,
            iou_f1_AP_F150=0.061276, iou_f1_AP_IOU50_F150=0.139714,
            iou_f1_AP_IOU75_F175=0.0, iou_f1_APl=-1,
            **{'iou_f1_AR@100': 0.045833, 'iou_AR@100': 0.205556,
               'f1_AR@100': 1.0},
            iou_AP=0.064081, iou_AP_IOU50=0.15374, f1_AP=0.987968,
            f1_AP_F150=0.95187)}


@pytest.mark.parametrize('seed', sorted(OFFICIAL))
def test_official_figures_on_random_cases(seed):
    gt, dt = random_case(seed)
    out = fashionpedia_summary(gt, dt, 'bbox', modes=('iou_f1', 'iou', 'f1'))
    for key, value in OFFICIAL[seed].items():
        assert out[key] == pytest.approx(value, abs=1e-6), key


def test_unknown_attribute_is_an_error_naming_the_detection():
    gt, dt = cocos([garment(BOX, [0])], [det(BOX, [0], 0.5),
                                         det(BOX, [9], 0.9)])
    with pytest.raises(ValueError, match=r'detection 1 .*\[9\]'):
        fashionpedia_summary(gt, dt, 'bbox', attr_category_ids=[1])


def test_eval_tool_on_segm_only_results(tmp_path):
    """Default options (segm and bbox) on results with masks and no boxes,
    as Fashionpedia's fake results: the bbox pass gets boxes from the masks,
    not the segm pass's leftovers; ground truth without boxes too."""
    from pycocotools import mask as mask_utils
    square = np.zeros((200, 200), np.uint8)
    square[10:50, 10:50] = 1
    rle = mask_utils.encode(np.asfortranarray(square))
    rle = dict(counts=rle['counts'].decode(), size=[200, 200])
    gt, _ = cocos([garment(BOX, [0, 1]), garment([150, 150, 20, 20], [0])],
                  [])
    for ann in gt.dataset['annotations']:
        x, y, w, h = ann.pop('bbox')
        ann['segmentation'] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
    (tmp_path / 'gt.json').write_text(json.dumps(gt.dataset))
    (tmp_path / 'res.json').write_text(json.dumps([dict(
        image_id=1, category_id=1, segmentation=rle, score=0.9,
        attribute_ids=[0])]))
    out = tmp_path / 'summary.json'
    run(['tools/analysis_tools/eval_fashionpedia.py', str(tmp_path /
         'gt.json'), str(tmp_path / 'res.json'), '--attr-categories', 'c1',
         '--out-json', str(out)])
    summary = json.loads(out.read_text())
    for kind in ('segm', 'bbox'):
        assert summary[f'{kind}_iou_f1_AP'] == pytest.approx(AP_HALF / 2,
                                                            abs=1e-4)
        assert summary[f'{kind}_iou_AP'] == pytest.approx(AP_HALF, abs=1e-4)
    assert summary['f1_type'] == 'binary_macro'
    assert summary['attr_category_ids'] == [1]
