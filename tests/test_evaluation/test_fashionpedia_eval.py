"""The Fashionpedia AP (IoU and attribute F1 jointly) on hand-computable
cases: one garment, one detection."""
import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO

from mmfashion_attr.evaluation.fashionpedia_eval import (attribute_f1,
                                                         fashionpedia_summary)

BOX = [10, 10, 40, 40]  # x, y, w, h


def coco_pair(gt_attrs, dt_attrs, dt_box=BOX, category=1,
              num_attributes=4):
    gt = COCO()
    gt.dataset = dict(
        images=[dict(id=1, width=100, height=100, file_name='a.jpg')],
        categories=[dict(id=1, name='shirt'), dict(id=2, name='bag')],
        attributes=[dict(id=i, name=f'a{i}') for i in range(num_attributes)],
        annotations=[dict(id=1, image_id=1, category_id=category,
                          bbox=BOX, area=BOX[2] * BOX[3], iscrowd=0,
                          attribute_ids=gt_attrs),
                     # attributes on a garment elsewhere make category 1
                     # an attribute category even when gt_attrs is empty
                     dict(id=2, image_id=1, category_id=1,
                          bbox=[80, 80, 10, 10], area=100, iscrowd=0,
                          attribute_ids=[0])])
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes([dict(image_id=1, category_id=category, bbox=dt_box,
                              score=0.9, attribute_ids=dt_attrs)])
    return gt, dt


def summary(gt_attrs, dt_attrs, **kwargs):
    f1_type = kwargs.pop('f1_type', 'binary_macro')
    gt, dt = coco_pair(gt_attrs, dt_attrs, **kwargs)
    return fashionpedia_summary(gt, dt, 'bbox', f1_type)


def test_f1_variants_by_hand():
    # gt {0, 1}, predicted {0}: present-label F1 2/3; absent-label
    # (tn 2, one missed) 4/5; Fashionpedia's binary macro is their mean
    assert attribute_f1({0, 1}, {0}, 4, 'positive') == pytest.approx(2 / 3)
    assert attribute_f1({0, 1}, {0}, 4) == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert attribute_f1(set(), set(), 4) == 1.0
    assert attribute_f1(set(), {1}, 4, 'positive') == 1.0
    assert attribute_f1({0, 1}, {2, 3}, 4) == 0.0


def test_perfect_box_half_right_attributes():
    # F1 0.733 passes the F1 thresholds 0.50..0.70: 5 of 10. The second
    # garment (never detected) halves recall: AP 0.5 per threshold pair
    out = summary([0, 1], [0])
    assert out['ap'] == pytest.approx(0.5, abs=0.01)
    assert out['ap_iou_f1_50'] == pytest.approx(0.5, abs=0.01)
    assert out['ap_iou_f1_75'] == 0
    assert out['ap_iou_f1'] == pytest.approx(0.25, abs=0.01)
    # garment 1 F1 0.733, garment 2 not found: 0
    assert out['attr_f1'] == pytest.approx((2 / 3 + 4 / 5) / 4)


def test_right_box_wrong_attributes():
    out = summary([0, 1], [2, 3])
    assert out['ap'] == pytest.approx(0.5, abs=0.01)
    assert out['ap_iou_f1'] == 0 and out['attr_f1'] == 0


def test_category_without_attributes_is_judged_on_iou():
    out = summary([], [3], category=2)  # category 2 has no attributes
    assert out['ap'] == pytest.approx(0.5, abs=0.01)  # bag 1.0, shirt 0.0
    # as in Fashionpedia's code, an attribute category counts once per F1
    # threshold (shirt: 10 x 0.0), the others once (bag: 1.0)
    assert out['ap_iou_f1'] == pytest.approx(1 / 11, abs=0.01)


@pytest.mark.parametrize('dt_attrs, expected', [
    ([0, 3], 0.0),  # F1 0.40: below 0.5
    ([0, 1, 3], 0.5),  # F1 0.67: above (0.5: the other garment is missed)
    ([0, 3, 4, 5], 0.0)])  # F1 0.29
def test_f1_just_below_and_above(dt_attrs, expected):
    out = summary([0, 1, 2], dt_attrs, f1_type='positive',
                  num_attributes=6)
    assert out['ap_iou_f1_50'] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize('width, expected', [(19, 0.0), (21, 0.5)])
def test_iou_just_below_and_above(width, expected):
    # detection [10, 10, w, 40] inside the 40x40 garment: IoU w / 40
    out = summary([0, 1], [0, 1], dt_box=[10, 10, width, 40])
    assert out['ap50'] == pytest.approx(expected, abs=0.01)
    assert out['ap_iou_f1_50'] == pytest.approx(expected, abs=0.01)


def test_many_detections_agree_with_plain_coco_without_attributes():
    """With every attribute right (and garments apart, so no detection
    could match another garment), the joint AP equals COCO's AP."""
    from pycocotools.cocoeval import COCOeval
    rng = np.random.default_rng(0)
    gt = COCO()
    anns, dets = [], []
    for i in range(30):
        x, y = rng.integers(0, 60, 2).tolist()
        attrs = sorted(rng.choice(5, 2, replace=False).tolist())
        anns.append(dict(id=i + 1, image_id=i + 1, category_id=1,
                         bbox=[x, y, 30, 30], area=900, iscrowd=0,
                         attribute_ids=attrs))
        shift = rng.integers(-8, 9, 2).tolist()
        dets.append(dict(image_id=i + 1, category_id=1,
                         bbox=[x + shift[0], y + shift[1], 30, 30],
                         score=float(rng.random()), attribute_ids=attrs))
    gt.dataset = dict(
        images=[dict(id=i, width=100, height=100) for i in range(1, 31)],
        categories=[dict(id=1, name='shirt')],
        attributes=[dict(id=i) for i in range(5)], annotations=anns)
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(dets)
        ref = COCOeval(gt, dt, 'bbox')
        ref.evaluate()
        ref.accumulate()
        ref.summarize()
    out = fashionpedia_summary(gt, dt, 'bbox')
    assert out['ap'] == pytest.approx(ref.stats[0])
    assert out['ap_iou_f1'] == pytest.approx(ref.stats[0])
    assert out['ap50'] == pytest.approx(ref.stats[1])


def test_eval_tool_on_files(tmp_path):
    import json

    from tests.helpers.run_tool import run
    gt, _ = coco_pair([0, 1], [0])
    (tmp_path / 'gt.json').write_text(json.dumps(gt.dataset))
    (tmp_path / 'res.json').write_text(json.dumps([dict(
        image_id=1, category_id=1, bbox=BOX, score=0.9,
        attribute_ids=[0])]))
    out = tmp_path / 'summary.json'
    run(['tools/analysis_tools/eval_fashionpedia.py', str(tmp_path /
         'gt.json'), str(tmp_path / 'res.json'), '--iou-type', 'bbox',
         '--out-json', str(out)])
    summary = json.loads(out.read_text())
    assert summary['bbox_ap_iou_f1'] == pytest.approx(0.25, abs=0.01)
    assert summary['f1_type'] == 'binary_macro'
