"""FashionpediaMetric: every detection scored (a low class score too),
class indices mapped to the file's ids by name, attributes only on the
dataset's attribute categories."""
import json

import pytest
import torch

from mmfashion_attr.evaluation import FashionpediaMetric

# the file lists categories out of id order; ids and attribute ids have gaps
CATS = [dict(id=40, name='bag'), dict(id=7, name='shirt')]
ATTRS = [dict(id=5, name='plain'), dict(id=115, name='zip'),
         dict(id=317, name='floral')]


def metric(tmp_path, **kwargs):
    ann_file = tmp_path / 'gt.json'
    ann_file.write_text(json.dumps(dict(
        images=[dict(id=1, width=100, height=100, file_name='a.jpg')],
        categories=CATS, attributes=ATTRS,
        annotations=[
            dict(id=1, image_id=1, category_id=7, bbox=[10, 10, 40, 40],
                 area=1600, iscrowd=0, attribute_ids=[115]),
            dict(id=2, image_id=1, category_id=40, bbox=[60, 60, 30, 30],
                 area=900, iscrowd=0, attribute_ids=[])])))
    return FashionpediaMetric(str(ann_file), iou_types=['bbox'], **kwargs)


def shirt_and_bag_detections():
    """The shirt found at a class score of 0.1, with the zip; a 'bag'
    detection far from the bag with attribute scores (ignored: bags have
    none)."""
    return dict(bboxes=torch.tensor([[10., 10., 50., 50.], [0., 0., 5., 5.]]),
                scores=torch.tensor([0.1, 0.05]),
                labels=torch.tensor([0, 1]),
                attr_scores=torch.tensor([[0.1, 0.9, 0.2], [0.9, 0.9, 0.9]]))


@pytest.mark.parametrize('with_ids', [True, False])
def test_every_detection_ids_by_name(tmp_path, with_ids):
    m = metric(tmp_path)
    m.dataset_meta = dict(classes=('shirt', 'bag'),  # not the file's order
                          attribute_ids=(5, 115, 317))
    if with_ids:  # FashionpediaInstanceDataset's meta
        m.dataset_meta.update(category_ids=(7, 40), attr_category_ids=(7, ))
    else:  # another dataset: ids by name, attribute categories given
        m.attr_categories = ['shirt']
    m.process(None, [dict(pred_instances=shirt_and_bag_detections(),
                          img_id=1)])
    (shirt, bag), = m.results  # one entry per image
    assert (shirt['category_id'], shirt['attribute_ids']) == (7, [115])
    assert (bag['category_id'], bag['attribute_ids']) == (40, [])
    # as the evaluator calls it: evaluate(number of images) keeps `size`
    # entries, every detection of them scored
    out = {k.split('/', 1)[1]: v for k, v in m.evaluate(1).items()}
    # shirt AP 1 (its score of 0.1 counts), bag AP 0
    assert out['bbox_iou_AP'] == pytest.approx(0.5)
    # the shirt's attributes are right at every F1 threshold (10 x 1),
    # the bag counts once (0)
    assert out['bbox_iou_f1_AP'] == pytest.approx(10 / 11, abs=1e-4)
    assert out['bbox_attr_f1'] == pytest.approx(1.0)


def test_mismatches_are_errors(tmp_path):
    with pytest.raises(TypeError, match='no score_thr'):
        metric(tmp_path, score_thr=0.5)
    m = metric(tmp_path, attr_categories=['bag'])
    m.dataset_meta = dict(classes=('shirt', 'bag'), category_ids=(7, 40),
                          attribute_ids=(5, 115, 317),
                          attr_category_ids=(7, ))
    with pytest.raises(ValueError, match="dataset's are"):
        m.ids()
    m = metric(tmp_path)
    m.dataset_meta = dict(classes=('shirt', 'bag'), category_ids=(40, 7),
                          attribute_ids=(5, 115, 317))
    with pytest.raises(ValueError, match='are not this file'):
        m.ids()
