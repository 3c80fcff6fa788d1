"""AttributeDetLocalVisualizer writes each garment's top attributes (from
attr_thr, best first, with scores) under mmdet's drawing; ground truths'
attributes by name."""
import numpy as np
import torch
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import mmfashion_attr  # noqa: F401

NAMES = ['red', 'blue', 'striped', 'long', 'short']


def visualizer(name):
    with DefaultScope.overwrite_default_scope('mmdet'):
        vis = VISUALIZERS.build(dict(type='AttributeDetLocalVisualizer',
                                     name=name, top_k=2, attr_thr=0.5))
    vis.dataset_meta = dict(classes=('shirt', 'skirt'), attributes=NAMES,
                            palette='random')
    return vis


def drawn_texts(vis, sample, **kwargs):
    texts, draw = [], vis.draw_texts

    def record(text, *args, **kw):
        texts.append(text)
        return draw(text, *args, **kw)

    vis.draw_texts = record
    image = np.zeros((64, 64, 3), np.uint8)
    vis.add_datasample('x', image, sample, **kwargs)
    return texts, vis.get_image()


def test_predictions_get_their_top_attributes():
    sample = DetDataSample()
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor([[2., 2, 40, 60], [30, 10, 60, 30]]),
        labels=torch.tensor([0, 1]), scores=torch.tensor([0.9, 0.8]),
        attr_scores=torch.tensor([[0.6, 0.1, 0.9, 0.7, 0.0],
                                  [0.2, 0.3, 0.1, 0.4, 0.49]]))
    vis = visualizer('vis_pred')
    texts, image = drawn_texts(vis, sample, draw_gt=False,
                               pred_score_thr=0.3)
    # top 2 of the first garment, none of the second (all below 0.5)
    assert 'striped 0.90\nlong 0.70' in texts
    assert not any('short' in t or 'blue' in t for t in texts)
    plain = visualizer('vis_plain')
    plain.dataset_meta = dict(plain.dataset_meta, attributes=None)
    _, without = drawn_texts(plain, sample, draw_gt=False,
                             pred_score_thr=0.3)
    assert (image != without).any()


def test_ground_truth_attributes_by_name():
    sample = DetDataSample()
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[2., 2, 40, 60]]), labels=torch.tensor([1]),
        attributes=torch.tensor([[0, 1, 0, 0, 1]], dtype=torch.uint8))
    texts, _ = drawn_texts(visualizer('vis_gt'), sample, draw_pred=False)
    assert 'blue\nshort' in texts
