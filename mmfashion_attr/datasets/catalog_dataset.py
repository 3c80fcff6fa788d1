"""In-house catalogue format: a schema file plus CSV or JSON Lines annotations.

See docs/dataset_formats.md. Each sample becomes ``img_path``, ``category``,
``gt_attr`` (uint8 multi-hot over all tasks' values, in schema task order)
and ``gt_attr_mask`` (bool per task: labelled or missing).
"""
import csv
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS, TRANSFORMS

from .schema import AttributeSchema

VALUE_SEPARATOR = '|'


class AnnotationError(ValueError):
    """A malformed annotation row; the message names the file and row."""


def build_transforms(pipeline):
    """Build transform configs from mmpretrain's registry, so that our and
    mmpretrain's transforms resolve without a default scope (mmengine's
    ``BaseDataset`` would look them up in its root registry)."""
    return [TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in pipeline]


def schema_metainfo(schema: AttributeSchema) -> dict:
    """Dataset ``metainfo`` for a schema: tasks and flattened class names."""
    tasks = schema.tasks
    return dict(
        tasks=tasks,
        classes=[f'{t["name"]}/{c}' for t in tasks for c in t['classes']])


class AttributeEncoder:
    """Turns ``{task: [values]}`` into the multi-hot vector and task mask."""

    def __init__(self, tasks: List[dict]):
        self.tasks = tasks
        self.offsets, offset = {}, 0
        for t in tasks:
            self.offsets[t['name']] = offset
            offset += len(t['classes'])
        self.num_classes = offset
        self.index = {t['name']: {c: i for i, c in enumerate(t['classes'])}
                      for t in tasks}
        self.task_index = {t['name']: i for i, t in enumerate(tasks)}

    def encode(self, labels: Dict[str, List[str]], where: str):
        gt = np.zeros(self.num_classes, dtype=np.uint8)
        mask = np.zeros(len(self.tasks), dtype=bool)
        for task, values in labels.items():
            if task not in self.index:
                raise AnnotationError(f'{where}: unknown attribute {task!r}')
            if not values:
                continue
            spec = self.tasks[self.task_index[task]]
            if not spec['multi_label'] and len(values) > 1:
                raise AnnotationError(
                    f'{where}: {task!r} is single-label but has {values}')
            for value in values:
                if value not in self.index[task]:
                    raise AnnotationError(
                        f'{where}: unknown value {value!r} for {task!r} '
                        f'(allowed: {spec["classes"]})')
                gt[self.offsets[task] + self.index[task][value]] = 1
            mask[self.task_index[task]] = True
        return gt, mask


def _split(cell) -> List[str]:
    """CSV cell or JSON value -> list of values ('' / None / [] = missing)."""
    if cell is None:
        return []
    if isinstance(cell, str):
        return [v.strip() for v in cell.split(VALUE_SEPARATOR) if v.strip()]
    if isinstance(cell, list):
        return [str(v) for v in cell]
    raise TypeError(f'expected a string or a list, got {cell!r}')


def read_annotation_rows(ann_file: str):
    """Yield ``(where, image, category, {attribute: [values]})`` per row.

    CSV: header ``image,category,<attribute>...``, several values joined by
    ``|``. JSON Lines: ``{"image", "category", "attributes": {...}}``.
    """
    if ann_file.endswith('.csv'):
        with open(ann_file, newline='') as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None:
                return
            for col in ('image', 'category'):
                if col not in reader.fieldnames:
                    raise AnnotationError(
                        f'{ann_file}:1: missing column {col!r}')
            for row in reader:
                where = f'{ann_file}:{reader.line_num}'
                if None in row:
                    raise AnnotationError(f'{where}: more cells than columns')
                attrs = {k: _split(v) for k, v in row.items()
                         if k not in ('image', 'category')}
                yield where, row['image'], row['category'], attrs
        return
    with open(ann_file) as f:
        for line_num, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f'{ann_file}:{line_num}'
            try:
                row = json.loads(line)
                attrs = {k: _split(v)
                         for k, v in row.get('attributes', {}).items()}
            except (json.JSONDecodeError, TypeError, AttributeError) as e:
                raise AnnotationError(f'{where}: malformed row ({e})') from e
            if not isinstance(row.get('image'), str):
                raise AnnotationError(f'{where}: no "image" path')
            yield where, row['image'], row.get('category') or '', attrs


@DATASETS.register_module()
class CatalogAttrDataset(BaseDataset):
    """Fashion attribute dataset in the catalogue format.

    Args:
        ann_file (str): CSV or JSON Lines annotation file.
        schema_file (str): JSON schema (relative paths are under
            ``data_root``).
        data_root (str): Root of ``ann_file``, ``schema_file`` and images.
        data_prefix (str | dict): Image folder, relative to ``data_root``.
        check_images (bool): Fail at load time, naming the row, when an
            image file does not exist.
        **kwargs: ``mmengine.dataset.BaseDataset`` options (pipeline,
            test_mode, lazy_init, serialize_data, indices, ...).
    """

    def __init__(self,
                 ann_file: str,
                 schema_file: str,
                 data_root: str = '',
                 data_prefix='',
                 check_images: bool = True,
                 metainfo: Optional[dict] = None,
                 pipeline=(),
                 **kwargs):
        if data_root and not osp.isabs(schema_file):
            schema_file = osp.join(data_root, schema_file)
        self.schema = AttributeSchema.from_file(schema_file)
        self.check_images = check_images
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        super().__init__(
            ann_file=ann_file,
            metainfo=dict(schema_metainfo(self.schema), **(metainfo or {})),
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=build_transforms(pipeline),
            **kwargs)

    def load_data_list(self) -> List[dict]:
        encoder = AttributeEncoder(self.schema.tasks)
        cat_task = self.schema.category_task
        img_root = self.data_prefix.get('img_path', '')
        data_list, seen = [], {}
        for where, image, category, attrs in read_annotation_rows(
                self.ann_file):
            if not image:
                raise AnnotationError(f'{where}: empty image path')
            if image in seen:
                raise AnnotationError(
                    f'{where}: duplicate image {image!r} (first at '
                    f'{seen[image]})')
            seen[image] = where
            if category and category not in self.schema.categories:
                raise AnnotationError(
                    f'{where}: category {category!r} is not in the schema '
                    f'{self.schema.source}')
            if cat_task:
                attrs[cat_task] = [category] if category else []
            gt, mask = encoder.encode(attrs, where)
            if cat_task and category:
                self._check_applicable(attrs, category, where)
            img_path = osp.join(img_root, image)
            if self.check_images and not osp.isfile(img_path):
                raise AnnotationError(f'{where}: image file {img_path} '
                                      'does not exist')
            data_list.append(dict(img_path=img_path, gt_attr=gt,
                                  gt_attr_mask=mask))
        if not data_list:
            raise AnnotationError(f'{self.ann_file}: no annotation rows')
        return data_list

    def _check_applicable(self, attrs, category, where):
        """A labelled value must be allowed for the sample's category."""
        allowed = self.schema.allowed_values(category)
        for attr in self.schema.attributes:
            values = attrs.get(attr['name'])
            if not values:
                continue
            if attr['name'] not in allowed:
                raise AnnotationError(f'{where}: attribute {attr["name"]!r} '
                                      f'does not apply to category '
                                      f'{category!r}')
            bad = [v for v in values if v not in allowed[attr['name']]]
            if bad:
                raise AnnotationError(
                    f'{where}: value(s) {bad} of {attr["name"]!r} do not '
                    f'apply to category {category!r}')
