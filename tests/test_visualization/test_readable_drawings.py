"""Drawings of small images are readable (issue 35): the classifier's and
the detector's visualizers, given 64- and 128-px images, draw on a canvas
of at least 512 px whose every text box lies inside it, in a font at
least 10 px high."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from mmpretrain.registry import VISUALIZERS as CLS_VISUALIZERS
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from mmfashion_attr.visualization import text_boxes

MIN_FONT_PX = 10
TASKS = [dict(name='category', classes=['t-shirt', 'shirt', 'dress'],
              multi_label=False),
         dict(name='sleeve_length', classes=['sleeveless', 'short',
                                             'three_quarter', 'long'],
              multi_label=False),
         dict(name='color', classes=['navy_blue', 'white', 'burgundy'],
              multi_label=True),
         dict(name='neck_type', classes=['round', 'v_neck', 'collar'],
              multi_label=False)]
ATTRIBUTES = ['neck type v neck', 'sleeve length three quarter',
              'color burgundy', 'closure drawstring', 'pattern polka dot']


def record_canvases(vis):
    """Every canvas ``vis`` renders: ``(width, height, [(text, box,
    font px)])``, taken at each ``get_image`` (mmdet draws each instance
    set on its own canvas, then stitches them)."""
    canvases, get_image = [], vis.get_image

    def recording():
        texts = [(t.get_text(), box, t.get_fontsize() * vis.dpi / 72)
                 for t, (_, box) in zip(vis.ax_save.texts, text_boxes(vis))]
        canvases.append((vis.width, vis.height, texts))
        return get_image()

    vis.get_image = recording
    return canvases


def assert_readable(canvases):
    texts = [t for _, _, ts in canvases for t in ts]
    assert texts
    for width, height, drawn in canvases:
        assert max(width, height) >= 512
        for text, (x0, y0, x1, y1), font_px in drawn:
            assert font_px >= MIN_FONT_PX, (text, font_px)
            assert -0.5 <= x0 and x1 <= width + 0.5, (text, x0, x1, width)
            assert -0.5 <= y0 and y1 <= height + 0.5, (text, y0, y1, height)
    return '\n'.join(t for t, _, _ in texts)


def cls_sample():
    score = torch.tensor([0.05, 0.15, 0.8,  0.1, 0.1, 0.2, 0.6,
                          0.9, 0.7, 0.3,  0.2, 0.1, 0.7])
    sample = DataSample().set_pred_score(score).set_pred_label(
        torch.tensor([2, 6, 7, 8, 12]))
    gt = torch.zeros(13)
    gt[[2, 6, 7, 9]] = 1
    sample.set_field(gt, 'gt_attr')
    sample.set_field(torch.tensor([True, True, True, False]), 'gt_attr_mask')
    return sample


@pytest.mark.parametrize('size', [64, 128])
def test_classifier_panel_beside_upscaled_image(size):
    vis = CLS_VISUALIZERS.build(dict(type='AttributeClsVisualizer',
                                     name=f'cls_readable_{size}'))
    vis.dataset_meta = dict(tasks=TASKS, classes=[
        f'{t["name"]}/{c}' for t in TASKS for c in t['classes']])
    canvases = record_canvases(vis)
    image = np.full((size, size // 2, 3), 90, np.uint8)  # portrait
    drawn = vis.visualize_cls(image, cls_sample())
    text = assert_readable(canvases[-1:])
    assert drawn.shape[0] >= 512 and drawn.shape[1] > 256
    # the image, upscaled, is left of the panel
    assert (drawn[:512, :256] == 90).all()
    lines = text.splitlines()
    assert lines[0] == 'prediction' and 'ground truth' in lines
    assert 'dress 0.80' in text and 'collar 0.70' in text
    assert 'navy_blue 0.90, white 0.70' in text  # best first
    gt = lines[lines.index('ground truth') + 1:]
    assert any('navy_blue, burgundy' in line for line in gt)
    assert any(line.split() == ['neck_type', '?'] for line in gt)


def test_classifier_without_tasks_names_classes():
    """M2Fashion-style samples: a category and per-attribute scores."""
    vis = CLS_VISUALIZERS.build(dict(type='AttributeClsVisualizer',
                                     name='cls_readable_m2'))
    vis.dataset_meta = dict(classes=['tee', 'dress'], attributes=ATTRIBUTES)
    sample = DataSample().set_pred_score(torch.tensor([0.3, 0.7])) \
        .set_pred_label(torch.tensor([1])).set_gt_label(1)
    sample.set_field(torch.tensor([0.9, 0.1, 0.6, 0.2, 0.4]),
                     'pred_attr_score')
    sample.set_field(torch.tensor([1, 0, -1, 0, 1]), 'attr_states')
    canvases = record_canvases(vis)
    vis.visualize_cls(np.zeros((64, 64, 3), np.uint8), sample)
    text = assert_readable(canvases[-1:])
    assert 'dress 0.70' in text
    assert 'neck type v neck 0.90, color burgundy 0.60' in text
    assert 'neck type v neck, pattern polka dot' in text


def det_sample(size):
    """Garments touching the right and bottom edges, one small enough for
    mmdet's smallest label font, with long attribute names."""
    s = size
    boxes = torch.tensor([[0.5 * s, 0.6 * s, s - 1., s - 1.],
                          [s - 9., 2., s - 1., 10.],
                          [1., 1., 0.4 * s, 0.5 * s]])
    attr = torch.tensor([[0.9, 0.8, 0.7, 0.6, 0.55],
                         [0.95, 0.1, 0.9, 0.1, 0.1],
                         [0.1, 0.2, 0.1, 0.3, 0.99]])
    sample = DetDataSample()
    sample.pred_instances = InstanceData(
        bboxes=boxes, labels=torch.tensor([0, 1, 1]),
        scores=torch.tensor([0.97, 0.6, 0.8]), attr_scores=attr)
    masks = np.zeros((1, s, s), np.uint8)
    masks[0, s // 2:, s // 2:] = 1
    sample.gt_instances = InstanceData(
        bboxes=boxes[:1], labels=torch.tensor([0]),
        masks=BitmapMasks(masks, s, s),
        attributes=torch.tensor([[1, 1, 1, 0, 1]], dtype=torch.uint8))
    return sample


@pytest.mark.parametrize('size', [64, 128])
def test_detector_upscales_and_keeps_labels_inside(size):
    with DefaultScope.overwrite_default_scope('mmdet'):
        from mmdet.registry import VISUALIZERS
        vis = VISUALIZERS.build(dict(type='AttributeDetLocalVisualizer',
                                     name=f'det_readable_{size}'))
    vis.dataset_meta = dict(classes=('dress', 'trousers'),
                            attributes=ATTRIBUTES, palette='random')
    canvases = record_canvases(vis)
    vis.add_datasample('x', np.full((size, size, 3), 200, np.uint8),
                       det_sample(size), pred_score_thr=0.3)
    text = assert_readable(canvases)
    assert vis.get_image().shape[:2] == (512, 1024)  # gt | prediction
    assert 'sleeve length three quarter 0.80' in text  # the prediction's
    assert 'neck type v neck\nsleeve length three quarter' in text  # gt's
    assert 'pattern polka dot 0.99' in text and 'trousers: 60.0' in text


def test_docs_sample_drawings_script():
    """tools/visualization/readable_drawings.py (docs/figures' drawings)
    still draws both."""
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                    'visualization', 'readable_drawings.py')
    spec = importlib.util.spec_from_file_location('readable_drawings', path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rng = np.random.default_rng(0)
    cls = script.classifier_drawing(3, rng)
    assert cls.shape[0] == 512 and cls.shape[1] > 512
    assert script.detector_drawing(3, rng).shape == (512, 512, 3)


def test_classifier_bgr_inputs():
    """The configs' ``channel_order='bgr'``: VisualizationHook passes the
    model inputs (BGR), drawn in their true colours."""
    vis = CLS_VISUALIZERS.build(dict(type='AttributeClsVisualizer',
                                     name='cls_bgr', channel_order='bgr'))
    image = np.empty((64, 64, 3), np.uint8)
    image[:] = (10, 20, 200)  # BGR: red
    drawn = vis.visualize_cls(image, DataSample())
    assert drawn.shape == (512, 512, 3) and (drawn == (200, 20, 10)).all()
