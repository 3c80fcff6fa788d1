"""Fashionpedia / iMaterialist-Fashion-2020 instances for detection:
COCO-style JSON whose annotations carry ``attribute_ids`` (the format of
Fashionpedia's ``instances_attributes_*.json`` and of
``tools/dataset_converters/imaterialist2020_to_coco.py``).

Own subclass of mmdet's ``CocoDataset``: it adds per-instance attributes
(non-contiguous ids remapped to contiguous indices, the mapping in the
meta), class names matched to category ids by name in class order (mmdet's
``getCatIds`` gives the file's order), the categories judged on attributes,
boxes derived from the masks where ``bbox`` is absent, classes read from
the file when the config gives none, and checks.
"""
import copy
import os.path as osp
from typing import List

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS
from mmengine.fileio import get_local_path
from mmengine.logging import print_log

from .categories import (AttrCategories, class_category_ids,
                         resolve_attr_categories)
from .coco_segmentation import segmentation_bbox


@DATASETS.register_module()
class FashionpediaInstanceDataset(CocoDataset):
    """Garments with masks, boxes, categories and attribute sets.

    Each instance gets ``attr_ids``: contiguous attribute indices (in id
    order); the meta holds ``attributes`` (names), ``attribute_ids`` (the
    file's id of each index), ``category_ids`` (the file's id of each
    class; classes from the file are in id order, a config's ``classes``
    keep theirs) and ``attr_category_ids`` (the categories judged on
    attributes, for the metric, the model's outputs and the demo). Polygons
    with fewer than 3 points are dropped (an instance left without any is
    skipped); both are counted and logged.
    An attribute id that the file's ``attributes`` list lacks, or an image
    file that is missing (``check_images``), is an error naming it.

    Args:
        attr_categories: Categories with attributes: ``'fashionpedia'``
            (its official evaluator's 18, checked by id and name),
            ``'all'``, or category names / ids (see
            ``resolve_attr_categories``). Default: ``'fashionpedia'``.
        check_images (bool): Check at load time that every image exists.
        **kwargs: ``CocoDataset``'s (``ann_file``, ``data_root``,
            ``data_prefix=dict(img=...)``, ``metainfo=dict(classes=...)``
            to keep some categories, ``pipeline``...).
    """

    METAINFO = dict(classes=(), palette='random')  # classes: the file's

    def __init__(self, *args,
                 attr_categories: AttrCategories = 'fashionpedia',
                 check_images: bool = True, **kwargs):
        self.check_images = check_images
        self.attr_categories = attr_categories
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        with get_local_path(self.ann_file,
                            backend_args=self.backend_args) as path:
            self.coco = self.COCOAPI(path)
        cats = sorted(self.coco.cats.values(), key=lambda c: c['id'])
        if not self._metainfo.get('classes'):
            self._metainfo['classes'] = tuple(c['name'] for c in cats)
        attrs = sorted(self.coco.dataset.get('attributes', []),
                       key=lambda a: a['id'])
        if not attrs:
            raise ValueError(f'{self.ann_file}: no "attributes" list')
        self._metainfo['attributes'] = tuple(a['name'] for a in attrs)
        self._metainfo['attribute_ids'] = tuple(a['id'] for a in attrs)
        self.attr_index = {a['id']: i for i, a in enumerate(attrs)}
        self.cat_ids = list(class_category_ids(
            self._metainfo['classes'], cats, self.ann_file))
        self.cat2label = {c: i for i, c in enumerate(self.cat_ids)}
        self._metainfo['category_ids'] = tuple(self.cat_ids)
        self._metainfo['attr_category_ids'] = resolve_attr_categories(
            self.attr_categories, self._metainfo['classes'], self.cat_ids,
            self.ann_file)
        self.cat_img_map = copy.deepcopy(self.coco.cat_img_map)
        self.skipped = dict(short_polygons=0, instances_without_mask=0)
        data_list, missing = [], []
        for img_id in self.coco.get_img_ids():
            img = dict(self.coco.load_imgs([img_id])[0], img_id=img_id)
            anns = self.coco.load_anns(self.coco.get_ann_ids(img_ids=[img_id]))
            info = self.parse_data_info(dict(raw_img_info=img,
                                             raw_ann_info=anns))
            if self.check_images and not osp.isfile(info['img_path']):
                missing.append(info['img_path'])
            data_list.append(info)
        if missing:
            raise FileNotFoundError(
                f'{self.ann_file}: {len(missing)} images not found, e.g. '
                f'{missing[:3]}')
        if any(self.skipped.values()):
            print_log(f'{self.ann_file}: dropped {self.skipped}',
                      logger='current', level=30)
        del self.coco
        return data_list

    def _checked(self, ann: dict, img: dict) -> dict:
        """A copy with short polygons dropped, ``bbox``/``area`` derived
        where absent and ``attr_ids`` remapped; None to skip it."""
        ann = dict(ann)
        segm = ann.get('segmentation')
        if isinstance(segm, list):
            kept = [p for p in segm if len(p) >= 6 and len(p) % 2 == 0]
            self.skipped['short_polygons'] += len(segm) - len(kept)
            if not kept:
                self.skipped['instances_without_mask'] += 1
                return None
            ann['segmentation'] = segm = kept
        if 'bbox' not in ann:
            if not segm:
                raise ValueError(f'{self.ann_file}: annotation {ann["id"]} '
                                 'has neither bbox nor segmentation')
            ann['bbox'] = segmentation_bbox(segm, img['height'],
                                            img['width'])
        ann.setdefault('area', ann['bbox'][2] * ann['bbox'][3])
        try:
            ann['attr_ids'] = sorted(self.attr_index[a]
                                     for a in ann.get('attribute_ids', ()))
        except KeyError as e:
            raise ValueError(f'{self.ann_file}: annotation {ann["id"]} has '
                             f'attribute id {e.args[0]}, not in the file\'s '
                             '"attributes" list') from None
        return ann

    def parse_data_info(self, raw_data_info: dict) -> dict:
        img = raw_data_info['raw_img_info']
        # mmdet's own parsing, one annotation at a time, so that each kept
        # instance is known and gets its attributes
        info = super().parse_data_info(
            dict(raw_img_info=img, raw_ann_info=[]))
        info['num_attributes'] = len(self.attr_index)
        for ann in raw_data_info['raw_ann_info']:
            ann = self._checked(ann, img)
            if ann is None:
                continue
            kept = super().parse_data_info(dict(raw_img_info=img,
                                                raw_ann_info=[ann]))
            for instance in kept['instances']:
                instance['attr_ids'] = ann['attr_ids']
                info['instances'].append(instance)
        return info
