"""In-house catalogue format: a schema file plus CSV or JSON Lines annotations.

See docs/datasets.md. Each sample becomes ``img_path``, ``category``,
``gt_attr`` (uint8 multi-hot over all tasks' values, in schema task order)
and ``gt_attr_mask`` (bool per task: labelled or missing).
"""
import copy
import os.path as osp
from collections import Counter
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import get_file_backend, get_local_path
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS, TRANSFORMS

from ..schema import AttributeSchema
from ..schema_subset import build_subset
from .attribute_table import AttributeTable, AttributeTableBuilder
from .checks import duplicate_message, find_duplicates, find_missing_images
from .rows import VALUE_SEPARATOR, AnnotationError, RowEncoder, read_rows

__all__ = ['AnnotationError', 'CatalogAttrDataset',
           'VALUE_SEPARATOR', 'build_transforms', 'schema_metainfo']


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


@DATASETS.register_module()
class CatalogAttrDataset(BaseDataset):
    """Fashion attribute dataset in the catalogue format.

    Parsed rows are kept in an :class:`AttributeTable` (a few tens of MB
    for 1M rows, shared by DataLoader workers), not as mmengine's
    per-sample ``data_list``.

    Args:
        ann_file (str): CSV or JSON Lines annotation file (UTF-8, a BOM is
            fine; format from the extension: ``.csv`` or ``.jsonl``).
        schema_file (str): JSON schema (relative paths are under
            ``data_root``).
        data_root (str): Root of ``ann_file``, ``schema_file`` and images.
        data_prefix (str | dict): Image folder, relative to ``data_root``.
        check_images (bool): Fail at load time, naming the row, when an
            image file does not exist (one folder listing per folder,
            through mmengine's file backend).
        fallback_ann_file (str, optional): Read this one, with a warning,
            when ``ann_file`` does not exist (the configs test on
            ``test.csv`` and fall back to ``val.csv``).
        backend_args (dict, optional): mmengine file backend arguments.
        subset (dict, optional): ``dict(categories=[...], tasks=[...])``:
            keep the rows of these categories (rows without a category label
            are left out, counted in the log) and these tasks' labels, as
            :class:`SchemaSubset`; give the head the same ``subset``.
        invalid_labels (str): ``'error'``: a value or category the schema
            does not know or allow is an ``AnnotationError`` naming the row;
            ``'skip'``: such a cell is left out as missing (the row's other
            labels kept; with an unknown category all its labels), counted
            in the log with the first rows. The label audit's
            ``cross_val_scores`` uses ``'skip'``; the audit reports them.
        **kwargs: ``mmengine.dataset.BaseDataset`` options (pipeline,
            test_mode, lazy_init, indices, ...).
    """

    def __init__(self,
                 ann_file: str,
                 schema_file: str,
                 data_root: str = '',
                 data_prefix='',
                 check_images: bool = True,
                 fallback_ann_file: Optional[str] = None,
                 backend_args: Optional[dict] = None,
                 subset: Optional[dict] = None,
                 invalid_labels: str = 'error',
                 metainfo: Optional[dict] = None,
                 pipeline=(),
                 **kwargs):
        if data_root and not osp.isabs(schema_file):
            schema_file = osp.join(data_root, schema_file)
        self.full_schema = AttributeSchema.from_file(schema_file)
        self.subset = build_subset(self.full_schema, subset)
        self.schema = self.subset.schema if self.subset else self.full_schema
        self.check_images = check_images
        if invalid_labels not in ('error', 'skip'):
            raise ValueError(f"invalid_labels={invalid_labels!r}: 'error' "
                             "or 'skip'")
        self.invalid_labels = invalid_labels
        self.backend_args = backend_args
        self.fallback_ann_file = fallback_ann_file
        self.table: Optional[AttributeTable] = None
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        kwargs.pop('serialize_data', None)  # the table is compact already
        super().__init__(
            ann_file=ann_file,
            metainfo=dict(schema_metainfo(self.schema), **(metainfo or {})),
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=build_transforms(pipeline),
            serialize_data=False,
            **kwargs)

    # -- loading ----------------------------------------------------------
    def full_init(self):
        if self._fully_initialized:
            return
        self.table = self.load_table()
        if self._indices is not None:
            self.table = self.table.take(self._indices_list(self._indices))
        self._fully_initialized = True

    def _indices_list(self, indices: Union[int, Sequence[int]]):
        n = len(self.table)
        if isinstance(indices, int):
            return range(indices) if indices >= 0 else range(n + indices, n)
        return [i % n for i in indices]

    def _resolve_ann_file(self) -> str:
        backend = get_file_backend(self.ann_file,
                                   backend_args=self.backend_args)
        if backend.exists(self.ann_file) or not self.fallback_ann_file:
            return self.ann_file
        fallback = self.fallback_ann_file
        if self.data_root and not osp.isabs(fallback):
            fallback = osp.join(self.data_root, fallback)
        MMLogger.get_current_instance().warning(
            f'{self.ann_file} does not exist: reading {fallback} instead. '
            'If that is the split that picked checkpoints or calibrated '
            'thresholds, its figures are optimistic.')
        return fallback

    def load_table(self) -> AttributeTable:
        """Parse the annotation file; errors name ``file:line``."""
        ann_file = self._resolve_ann_file()
        encoder = RowEncoder(self.full_schema)
        builder = AttributeTableBuilder(encoder.num_classes,
                                        len(encoder.tasks))
        skipped = [] if self.invalid_labels == 'skip' else None
        with get_local_path(ann_file,
                            backend_args=self.backend_args) as local:
            for line, image, labels, mask in read_rows(
                    ann_file, local, encoder,
                    on_label_error=None if skipped is None else
                    skipped.append):
                builder.add(image, line, labels, mask)
        if skipped:
            self._log_skipped(ann_file, skipped)
        table = builder.build()
        duplicates = find_duplicates(table)
        if duplicates:
            first, dup = duplicates[0]
            raise AnnotationError(duplicate_message(
                ann_file, table.lines[dup], table.image(dup),
                table.lines[first]), 'duplicate_image')
        if self.subset is not None:
            table = self._apply_subset(table, ann_file)
        if self.check_images:
            self._check_images(table, ann_file)
        return table

    @staticmethod
    def _log_skipped(ann_file: str, skipped: List[AnnotationError]):
        kinds = Counter(e.kind for e in skipped)
        MMLogger.get_current_instance().warning(
            f'{ann_file}: {len(skipped)} labels the schema does not accept '
            f'left out as missing ({dict(kinds)}; invalid_labels=\'skip\'),'
            ' e.g. ' + '; '.join(str(e) for e in skipped[:5]))

    def _apply_subset(self, table: AttributeTable,
                      ann_file: str) -> AttributeTable:
        """Rows of the subset's categories, columns of its tasks."""
        subset, logger = self.subset, MMLogger.get_current_instance()
        if subset.category_index is not None:
            cat = self.full_schema.tasks[0]
            if cat['name'] != self.full_schema.category_task:
                raise AnnotationError(f'{ann_file}: subset categories need '
                                      'a schema with categories')
            n = len(cat['classes'])
            unlabelled = ~table.mask[:, 0]
            kept_cats = np.zeros(n, bool)
            kept_cats[subset.category_index] = True
            in_cats = table.count_columns(
                np.flatnonzero(kept_cats)).astype(bool)
            rows = np.flatnonzero(in_cats & ~unlabelled)
            logger.info(
                f'{ann_file}: subset keeps {len(rows)} of {len(table)} rows '
                f'(categories {subset.categories}); '
                f'{int(unlabelled.sum())} rows without a category label '
                'left out')
            if not len(rows):
                raise AnnotationError(f'{ann_file}: no row of the subset '
                                      'categories')
            table = table.take(rows)
        dropped = table.count_columns(subset.dropped_columns())
        if dropped.any():
            i = int(np.flatnonzero(dropped)[0])
            raise AnnotationError(
                f'{ann_file}:{table.lines[i]}: a value outside the subset '
                f'{subset.schema.source} ({int((dropped > 0).sum())} rows)')
        return table.project(subset.task_index, subset.columns)

    def _img_root(self) -> str:
        return self.data_prefix.get('img_path', '')

    def _check_images(self, table: AttributeTable, ann_file: str):
        """Every image exists (:func:`.checks.find_missing_images`)."""
        for path, missing in find_missing_images(table, self._img_root(),
                                                 self.backend_args):
            i = min(missing, key=lambda k: table.lines[k])
            raise AnnotationError(
                f'{ann_file}:{table.lines[i]}: image file '
                f'{self._img_path(table.image(i))} does not exist '
                f'({len(missing)} missing in {path})', 'missing_image')

    def _img_path(self, image: str) -> str:
        return osp.join(self._img_root(), image)

    # -- access -----------------------------------------------------------
    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.table)

    def get_data_info(self, idx: int) -> dict:
        table = self.table
        idx = idx if idx >= 0 else len(table) + idx
        return dict(img_path=self._img_path(table.image(idx)),
                    gt_attr=table.labels(idx),
                    gt_attr_mask=table.mask[idx].copy(), sample_idx=idx)

    def load_data_list(self) -> List[dict]:
        """Per-sample dicts (for inspection; the dataset reads the table)."""
        if not self._fully_initialized:
            self.full_init()
        return [self.get_data_info(i) for i in range(len(self))]

    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        self.full_init()
        self.table = self.table.take(self._indices_list(indices))

    def get_subset(self, indices: Union[Sequence[int], int]):
        subset = copy.copy(self)
        subset.get_subset_(indices)
        return subset
