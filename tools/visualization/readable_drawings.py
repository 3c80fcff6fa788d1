"""Sample drawings of the two visualizers on SynthFashion-sized images.

    python tools/visualization/readable_drawings.py [--out-dir docs/figures]

Writes ``drawing_classifier_64px.png`` (``AttributeClsVisualizer``, the
classifier configs' visualizer, on a 64-px test image) and
``drawing_detector_128px.png`` (``AttributeDetLocalVisualizer``, the
Attr-Mask R-CNN configs', on a 128-px one), as ``tools/test.py
--show-dir`` draws them. No model runs: the images and ground truth are
SynthFashion's (seed 0, test split); the predictions are made by hand
from the truth (scores drawn at random, one value deliberately wrong) to
show the layout, not a model's quality.
"""
import argparse
import os
import os.path as osp

import cv2
import mmcv
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from mmfashion_attr.datasets.schema import AttributeSchema, task_slices
from mmfashion_attr.datasets.synthfashion.generator import make_sample
from mmfashion_attr.datasets.synthfashion.instances import (
    attribute_vocabulary)
from mmfashion_attr.datasets.synthfashion.vocabulary import (CATEGORY_FREQ,
                                                            schema_dict)
from mmfashion_attr.utils.cli import run_main


def _values(truth, name):
    value = truth.get(name)
    return [] if value is None else value if isinstance(value, list) \
        else [value]


def classifier_drawing(index: int, rng: np.random.Generator) -> np.ndarray:
    """A 64-px test image with its labels and a hand-made prediction."""
    jpeg, truth, labelled = make_sample(0, 'test', index, 64)
    tasks = AttributeSchema(**{k: v for k, v in schema_dict().items()
                               if k != 'category_groups'}).tasks
    gt, mask = torch.zeros(sum(len(t['classes']) for t in tasks)), []
    score = torch.as_tensor(rng.uniform(0.01, 0.3, len(gt)),
                            dtype=torch.float32)
    labels = []
    for t, sl in zip(tasks, task_slices(tasks)):
        true = [sl.start + t['classes'].index(v)
                for v in _values(truth, t['name'])]
        mask.append(t['name'] in labelled)
        gt[[sl.start + t['classes'].index(v)
            for v in _values(labelled, t['name'])]] = 1
        if t['name'] == 'neck_type' and true:  # one deliberate mistake
            true = [sl.start + (true[0] - sl.start + 1) % len(t['classes'])]
        score[true] = torch.as_tensor(rng.uniform(0.55, 0.98, len(true)),
                                      dtype=torch.float32)
        labels += true
    sample = DataSample().set_pred_score(score).set_pred_label(
        torch.tensor(sorted(labels)))
    sample.set_field(gt, 'gt_attr')
    sample.set_field(torch.tensor(mask), 'gt_attr_mask')
    vis = mmfashion_attr.visualization.AttributeClsVisualizer(
        name='readable_cls')
    vis.dataset_meta = dict(tasks=tasks)
    return vis.visualize_cls(mmcv.imfrombytes(jpeg, channel_order='rgb'),
                             sample)


def detector_drawing(index: int, rng: np.random.Generator) -> np.ndarray:
    """A 128-px test image's garments as hand-made predictions."""
    jpeg, _, _, _, garments = make_sample(0, 'test', index, 128,
                                          with_box=True, with_garments=True)
    vocab = attribute_vocabulary()
    categories = list(CATEGORY_FREQ)
    garments = [(t, m) for t, m in garments if m.any()]
    attr = rng.uniform(0.0, 0.3, (len(garments), len(vocab)))
    boxes, masks = [], []
    for i, (truth, m) in enumerate(garments):
        ys, xs = np.nonzero(m)
        boxes.append([xs.min(), ys.min(), xs.max(), ys.max()])
        masks.append(m)
        for j, (pair, name) in enumerate(vocab):
            if pair in {f'{name} {v}'.replace('_', ' ')
                        for v in _values(truth, name)}:
                attr[i, j] = rng.uniform(0.55, 0.98)
    sample = DetDataSample()
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32),
        labels=torch.tensor([categories.index(t['category'])
                             for t, _ in garments]),
        scores=torch.tensor([0.96, 0.71][:len(garments)]),
        masks=BitmapMasks(np.stack(masks).astype(np.uint8), 128, 128),
        attr_scores=torch.as_tensor(attr, dtype=torch.float32))
    np.random.seed(0)  # mmdet jitters mask colours with np.random
    with DefaultScope.overwrite_default_scope('mmdet'):
        vis = mmfashion_attr.visualization.AttributeDetLocalVisualizer(
            name='readable_det')
    vis.dataset_meta = dict(classes=categories, palette='random',
                            attributes=[pair for pair, _ in vocab])
    vis.add_datasample('sample', mmcv.imfrombytes(jpeg, channel_order='rgb'),
                       sample, draw_gt=False)
    return vis.get_image()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default='docs/figures')
    parser.add_argument('--index', type=int, default=3,
                        help='SynthFashion test image (seed 0)')
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, draw in (('drawing_classifier_64px.png', classifier_drawing),
                       ('drawing_detector_128px.png', detector_drawing)):
        path = osp.join(args.out_dir, name)
        mmcv.imwrite(draw(args.index, rng)[..., ::-1], path,
                     params=[cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f'wrote {path}')


if __name__ == '__main__':
    run_main(main)
