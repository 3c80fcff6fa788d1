"""Multi-image transforms keep each garment's attributes: instances that
mmdet's CopyPaste / MixUp bring from another image carry that image's
attribute rows (wrapped in KeepInstanceAttributes, also inside mmdet's
MultiImageMixDataset); unwrapped, packing refuses the misaligned rows."""
import numpy as np
import pytest
from mmdet.datasets import MultiImageMixDataset
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks
from mmengine.dataset import BaseDataset
from mmengine.registry import DefaultScope

import mmfashion_attr  # noqa: F401

SIZE, NUM = 64, 6  # garment of class k has attribute k only


def image(labels, boxes, name):
    masks = np.zeros((len(boxes), SIZE, SIZE), np.uint8)
    for m, (x1, y1, x2, y2) in zip(masks, boxes):
        m[y1:y2, x1:x2] = 1
    attr = np.zeros((len(labels), NUM), np.uint8)
    attr[np.arange(len(labels)), labels] = 1
    return dict(img=np.full((SIZE, SIZE, 3), 40 * len(name), np.uint8),
                img_path=name, img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE),
                gt_bboxes=HorizontalBoxes(np.array(boxes, np.float32)),
                gt_bboxes_labels=np.array(labels, np.int64),
                gt_ignore_flags=np.zeros(len(labels), bool),
                gt_masks=BitmapMasks(masks, SIZE, SIZE), gt_attr=attr)


def first():
    return image([0, 1], [[2, 2, 30, 30], [34, 34, 62, 62]], 'a.jpg')


def second():
    return image([4, 5], [[0, 0, 40, 40], [40, 10, 60, 60]], 'bb.jpg')


def build(cfg):
    with DefaultScope.overwrite_default_scope('mmdet'):
        return TRANSFORMS.build(cfg)


def paired(results):
    labels, attr = results['gt_bboxes_labels'], results['gt_attr']
    assert attr.shape == (len(labels), NUM)
    assert (attr.sum(1) == 1).all() and (attr.argmax(1) == labels).all()


@pytest.mark.parametrize('mix', [
    dict(type='CopyPaste', max_num_pasted=2, selected=False),
    dict(type='MixUp', img_scale=(SIZE, SIZE), ratio_range=(1.0, 1.0),
         flip_ratio=0.0)])
def test_added_instances_carry_their_own_images_attributes(mix):
    wrapped = build(dict(type='KeepInstanceAttributes', transforms=[mix]))
    np.random.seed(0)
    out = wrapped(dict(first(), mix_results=[second()]))
    paired(out)
    # the other image's garments are in, with their attributes (4 and 5)
    assert {4, 5} <= set(out['gt_bboxes_labels'].tolist())
    assert out['gt_bboxes_labels'].dtype == np.int64


def test_unwrapped_mixing_is_refused_when_packed():
    paste = build(dict(type='CopyPaste', max_num_pasted=2, selected=False))
    pack = build(dict(type='PackDetInputsWithAttributes'))
    out = paste(dict(first(), mix_results=[second()]))
    with pytest.raises(ValueError, match='a.jpg.*KeepInstanceAttributes'):
        pack(out)


def test_mixed_image_without_attributes_named():
    wrapped = build(dict(type='KeepInstanceAttributes', transforms=[
        dict(type='CopyPaste', selected=False)]))
    other = second()
    del other['gt_attr']
    with pytest.raises(KeyError, match='bb.jpg.*LoadInstanceAttributes'):
        wrapped(dict(first(), mix_results=[other]))


class TwoImages(BaseDataset):
    def load_data_list(self):
        return [first(), second()]


def test_multi_image_mix_dataset_fills_the_wrapped_transform():
    with DefaultScope.overwrite_default_scope('mmdet'):
        ds = MultiImageMixDataset(
            TwoImages(serialize_data=False, lazy_init=True),
            pipeline=[dict(type='KeepInstanceAttributes', transforms=[
                          dict(type='CopyPaste', selected=False)]),
                      dict(type='PackDetInputsWithAttributes')])
    np.random.seed(0)
    seen = set()
    for _ in range(8):  # the image to paste is drawn at random, itself too
        gt = ds[0]['data_samples'].gt_instances
        assert (gt.attributes.argmax(1) == gt.labels).all()
        seen |= set(gt.labels.tolist())
    assert {4, 5} <= seen  # the other image's garments pasted in
