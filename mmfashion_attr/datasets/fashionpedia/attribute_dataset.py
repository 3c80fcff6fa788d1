"""iMaterialist-2021 / Fashionpedia attributes (``instances_attributes_*.json``).

COCO-style: ``images``, ``categories``, ``attributes`` (``id``, ``name``,
``supercategory``, ``level``; ids not contiguous) and ``annotations`` with
``attribute_ids`` (and, for garment instances, ``category_id``, ``bbox`` and
``segmentation``). Tasks are attribute supercategories (the paper, 5.1, uses
the global ones: length, neckline type, opening type, silhouette, textile
pattern, waistline). A task is *missing* for a sample when none of its
attributes is annotated there.
"""
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from ..catalog.dataset import (
    AnnotationError,
    build_transforms,
    schema_metainfo,
)
from ..catalog.rows import RowEncoder
from ..schema import AttributeSchema
from .coco_segmentation import segmentation_bbox

PAPER_SUPERCATEGORIES = ('length', 'neckline type', 'opening type',
                         'silhouette', 'textile pattern', 'waistline')


def encode_labels(encoder: RowEncoder, labels: Dict[str, List[str]],
                  where: str, category: str = ''):
    """``{task: [values]}`` gathered per image or instance (and the
    instance's category) -> multi-hot vector and task mask, validated by the
    catalogue format's encoder."""
    gt = np.zeros(encoder.num_classes, dtype=np.uint8)
    mask = np.zeros(len(encoder.tasks), dtype=bool)
    if category:
        gt[list(encoder.category(category, where))] = 1
        mask[encoder.task_index[encoder.cat_task]] = True
    for name, values in labels.items():
        task = encoder.task(name, where)
        indices = encoder.values(task, tuple(values), category, where)
        if indices:
            gt[list(indices)] = 1
            mask[task] = True
    return gt, mask


def build_schema(coco: dict, supercategories: Sequence[str],
                 categories: Optional[Sequence[str]], instance: bool,
                 source: str) -> AttributeSchema:
    """Tasks: the chosen attribute supercategories (+ category if instance)."""
    by_super = defaultdict(list)
    for attr in sorted(coco.get('attributes', []), key=lambda a: a['id']):
        by_super[attr['supercategory']].append(attr['name'])
    missing = [s for s in supercategories if s not in by_super]
    if missing:
        raise AnnotationError(
            f'{source}: no attributes with supercategory {missing}; '
            f'available: {sorted(by_super)}')
    cat_names = [c['name'] for c in sorted(coco.get('categories', []),
                                           key=lambda c: c['id'])]
    if categories is not None:
        unknown = [c for c in categories if c not in cat_names]
        if unknown:
            raise AnnotationError(f'{source}: unknown categories {unknown}')
        cat_names = list(categories)
    return AttributeSchema(
        attributes=[dict(name=s, values=by_super[s], multi_label=True)
                    for s in supercategories],
        categories=cat_names if instance else None, source=source)


@DATASETS.register_module()
class FashionpediaAttrDataset(BaseDataset):
    """Fashionpedia / iMaterialist-2021 attribute dataset.

    Args:
        ann_file (str): ``instances_attributes_{train,val}2020.json``.
        supercategories (Sequence[str]): Attribute supercategories = tasks.
        mode (str): ``'image'``: one sample per image, with the attributes of
            its garment instances (only of ``categories`` if given);
            ``'instance'``: one sample per garment, cropped to its box
            (``bbox``, else from ``segmentation``), with its category as a
            task.
        categories (Sequence[str], optional): Garment categories to keep
            (e.g. the "level"-0 whole-body garments).
        data_prefix (str | dict): Image folder relative to ``data_root``.
        check_images (bool): Fail at load time when an image of a sample
            is not in the image folder (one listing of the folder).

    At load time the log counts, per supercategory, the attribute labels
    dropped because their supercategory is not a task, and the samples
    kept although none of their attribute tasks is labelled (instance mode:
    the category is still learnt from them).
    """

    def __init__(self,
                 ann_file: str,
                 supercategories: Sequence[str] = PAPER_SUPERCATEGORIES,
                 mode: str = 'image',
                 categories: Optional[Sequence[str]] = None,
                 data_root: str = '',
                 data_prefix='',
                 check_images: bool = True,
                 metainfo: Optional[dict] = None,
                 pipeline=(),
                 **kwargs):
        if mode not in ('image', 'instance'):
            raise ValueError(f"mode must be 'image' or 'instance', not {mode}")
        self.mode = mode
        self.check_images = check_images
        if isinstance(supercategories, str):
            supercategories = [supercategories]
        path = ann_file if not data_root or osp.isabs(ann_file) else \
            osp.join(data_root, ann_file)
        try:
            with open(path, encoding='utf-8') as f:
                self.coco = json.load(f)
        except json.JSONDecodeError as e:
            raise AnnotationError(f'{path}: not valid JSON ({e})') from e
        self.schema = build_schema(self.coco, list(supercategories),
                                   categories, mode == 'instance', path)
        self.keep_categories = None if categories is None else set(categories)
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        super().__init__(
            ann_file=ann_file,
            metainfo=dict(schema_metainfo(self.schema), **(metainfo or {})),
            data_root=data_root, data_prefix=data_prefix,
            pipeline=build_transforms(pipeline), **kwargs)

    def load_data_list(self) -> List[dict]:
        coco, src = self.coco, self.ann_file
        encoder = RowEncoder(self.schema)
        attrs = {a['id']: a for a in coco.get('attributes', [])}
        cats = {c['id']: c['name'] for c in coco.get('categories', [])}
        images = {}
        for img in coco.get('images', []):
            if img['id'] in images:
                raise AnnotationError(f'{src}: duplicate image id {img["id"]}')
            images[img['id']] = img
        tasks = {t['name'] for t in self.schema.tasks}
        per_image = defaultdict(lambda: defaultdict(list))
        data_list, skipped, unlabelled = [], 0, 0
        dropped = defaultdict(int)  # attribute labels outside the tasks
        for k, ann in enumerate(coco.get('annotations', [])):
            where = f'{src}: annotations[{k}] (id {ann.get("id")})'
            if ann.get('image_id') not in images:
                raise AnnotationError(f'{where}: unknown image_id '
                                      f'{ann.get("image_id")}')
            labels = defaultdict(list)
            for attr_id in ann.get('attribute_ids', []):
                if attr_id not in attrs:
                    raise AnnotationError(f'{where}: unknown attribute id '
                                          f'{attr_id}')
                attr = attrs[attr_id]
                if attr['supercategory'] in tasks:
                    labels[attr['supercategory']].append(attr['name'])
                else:
                    dropped[attr['supercategory']] += 1
            category = cats.get(ann['category_id']) if 'category_id' in ann \
                else None
            if 'category_id' in ann and category is None:
                raise AnnotationError(f'{where}: unknown category_id '
                                      f'{ann["category_id"]}')
            if self.keep_categories is not None and \
                    category is not None and \
                    category not in self.keep_categories:
                skipped += 1
                continue
            img = images[ann['image_id']]
            if self.mode == 'image':
                for task, values in labels.items():
                    per_image[img['id']][task].extend(values)
                continue
            if category is None:  # image-level form: no instance to crop
                skipped += 1
                continue
            box = ann.get('bbox') or (segmentation_bbox(
                ann['segmentation'], img['height'], img['width'])
                if ann.get('segmentation') else None)
            if not box or box[2] <= 0 or box[3] <= 0:
                raise AnnotationError(f'{where}: no usable bbox/segmentation')
            unlabelled += not labels
            gt, mask = encode_labels(encoder, labels, where, category)
            x, y, w, h = box
            data_list.append(dict(
                img_path=osp.join(self.data_prefix['img_path'],
                                  img['file_name']),
                crop_box=np.array([x, y, x + w, y + h], np.float32),
                gt_attr=gt, gt_attr_mask=mask))
        if self.mode == 'image':
            for img_id, img in images.items():
                labels = {t: sorted(set(v))
                          for t, v in per_image.get(img_id, {}).items()}
                gt, mask = encode_labels(encoder, labels,
                                         f'{src}: image {img_id}')
                if not mask.any():
                    unlabelled += 1
                    continue
                data_list.append(dict(
                    img_path=osp.join(self.data_prefix['img_path'],
                                      img['file_name']),
                    gt_attr=gt, gt_attr_mask=mask))
        self._log_counts(skipped, unlabelled, dropped)
        if not data_list:
            raise AnnotationError(f'{src}: no samples')
        if self.check_images:
            self._check_images(data_list)
        self.coco = None  # free the parsed JSON (large for Fashionpedia)
        return data_list

    def _log_counts(self, skipped, unlabelled, dropped):
        logger, src = MMLogger.get_current_instance(), self.ann_file
        if dropped:
            per_super = ', '.join(f'{k}: {v}' for k, v in sorted(
                dropped.items()))
            logger.info(f'{src}: dropped {sum(dropped.values())} attribute '
                        'labels whose supercategory is not a task '
                        f'({per_super})')
        if skipped:
            logger.info(f'{src}: skipped {skipped} annotations (outside the '
                        'chosen categories, or without a category in '
                        'instance mode)')
        if unlabelled and self.mode == 'image':
            logger.info(f'{src}: left out {unlabelled} images with no '
                        'attribute of the chosen supercategories')
        elif unlabelled:
            logger.info(f'{src}: kept {unlabelled} instances with no '
                        'attribute of the chosen supercategories (they '
                        'train the category task only)')

    def _check_images(self, data_list):
        """Every sample's image is in its folder (one listing per folder)."""
        listings = {}
        for info in data_list:
            folder, name = osp.split(info['img_path'])
            if folder not in listings:
                path = folder or '.'
                listings[folder] = set(os.listdir(path)) if osp.isdir(
                    path) else None
            if listings[folder] is None or name not in listings[folder]:
                raise AnnotationError(
                    f'{self.ann_file}: image {info["img_path"]} does not '
                    f'exist (image folder {folder or "."!r}; set '
                    'data_root / data_prefix)')
