"""DeepFashion-C (Category and Attribute Prediction benchmark) as
distributed: one split of the list files, images cropped to their box.

Each sample: ``img_path``, ``gt_label`` (0-based category), ``attr_states``
(int8 per attribute: 1 positive, -1 negative, 0 unknown: the three states
are kept, unknown is not merged into negative), ``crop_box`` (the bbox with
the margin, for ``LoadFashionImage``) and ``category_type``.
"""
import os
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from ..catalog.dataset import build_transforms
from ..catalog.rows import AnnotationError
from .lists import ATTRIBUTE_TYPES, CATEGORY_TYPES, FILES, SPLITS, load_lists


@DATASETS.register_module()
class DeepFashionCDataset(BaseDataset):
    """One split of DeepFashion-C.

    Args:
        data_root (str): The folder holding ``Anno/``, ``Eval/`` and
            ``Img/`` (image names in the lists start with ``img/``).
        split (str): ``'train'``, ``'val'`` or ``'test'`` (from
            ``Eval/list_eval_partition.txt``).
        bbox_margin (float): Grow each box by this fraction of its width /
            height on every side before cropping (clipped to the image).
        check_images (bool): Fail at load time, naming the partition file's
            line, when an image of the split does not exist.
        anno_dir (str, optional): The annotation folder under ``data_root``
            (``'Anno'``, ``'Anno_coarse'``, ``'Anno_fine'``); default: the
            first of these that holds the lists (logged).
        skip_bad_boxes (bool): Skip images whose box is empty or negative
            (counted and logged) instead of failing on the first, which
            names its file:line.
        pipeline, test_mode, indices, lazy_init: as mmengine's
            ``BaseDataset``.

    ``metainfo``: ``classes`` (category names), ``category_types``,
    ``attributes``, ``attribute_types`` (1-5, see ``ATTRIBUTE_TYPES``).
    """

    def __init__(self, data_root: str, split: str = 'train',
                 bbox_margin: float = 0.0, check_images: bool = True,
                 anno_dir: Optional[str] = None,
                 skip_bad_boxes: bool = False,
                 pipeline=(), metainfo: Optional[dict] = None, **kwargs):
        if split not in SPLITS:
            raise ValueError(f'split {split!r}: expected one of {SPLITS}')
        if bbox_margin < 0:
            raise ValueError(f'bbox_margin must be >= 0, got {bbox_margin}')
        self.split, self.bbox_margin = split, bbox_margin
        self.check_images = check_images
        self.lists = load_lists(data_root, anno_dir, skip_bad_boxes)
        lists = self.lists
        self.attr_types = np.array([t for _, t in lists.attributes], np.int8)
        self.attr_types.setflags(write=False)
        meta = dict(
            classes=[name for name, _ in lists.categories],
            category_types=[t for _, t in lists.categories],
            attributes=[name for name, _ in lists.attributes],
            attribute_types=[t for _, t in lists.attributes])
        kwargs.pop('serialize_data', None)
        super().__init__(ann_file='', data_root=data_root,
                         metainfo=dict(meta, **(metainfo or {})),
                         pipeline=build_transforms(pipeline),
                         serialize_data=False, **kwargs)

    def full_init(self):
        """The split's rows as one array (no per-sample dicts: 200k of them
        would be copied into every DataLoader worker)."""
        if self._fully_initialized:
            return
        rows = np.flatnonzero((self.lists.split == SPLITS.index(self.split))
                              & self.lists.valid)
        if self.check_images:
            self._check_images(rows)
        if self._indices is not None:
            rows = rows[np.asarray(self._indices, np.int64)] \
                if not isinstance(self._indices, int) else rows[
                    :self._indices]
        self.rows = rows
        MMLogger.get_current_instance().info(
            f'DeepFashion-C {self.split}: {len(rows)} of '
            f'{len(self.lists.images)} images')
        self._fully_initialized = True

    def __len__(self) -> int:
        self.full_init()
        return len(self.rows)

    def load_data_list(self) -> List[dict]:
        """Per-sample dicts (for inspection; the dataset reads the arrays)."""
        return [self.get_data_info(i) for i in range(len(self))]

    def _check_images(self, rows: np.ndarray) -> None:
        """One listing per folder, not one stat per image."""
        listed, missing = {}, []
        for r in rows:
            name = self.lists.images[r]
            folder, base = osp.split(osp.join(self.data_root, 'Img', name))
            if folder not in listed:
                listed[folder] = set(os.listdir(folder)) \
                    if osp.isdir(folder) else set()
            if base not in listed[folder]:
                missing.append(r)
        if missing:
            r = missing[0]
            raise AnnotationError(
                f'{self.lists.paths["partition"]}:'
                f'{self.lists.split_lines[r]}: image '
                f'{osp.join(self.data_root, "Img", self.lists.images[r])} '
                f'does not exist ({len(missing)} of the {self.split} split '
                'missing)')

    def get_data_info(self, idx: int) -> dict:
        row = self.rows[idx]
        lists = self.lists
        x1, y1, x2, y2 = lists.bbox[row].astype(np.float32)
        mx, my = self.bbox_margin * (x2 - x1), self.bbox_margin * (y2 - y1)
        category = int(lists.category[row])
        return dict(
            img_path=osp.join(self.data_root, 'Img', lists.images[row]),
            gt_label=category,
            attr_states=lists.states[row].copy(),
            attr_types=self.attr_types,  # shared, read-only
            crop_box=np.array([max(x1 - mx, 0), max(y1 - my, 0), x2 + mx,
                               y2 + my], np.float32),
            category_type=lists.categories[category][1],
            sample_idx=idx)


__all__ = ['DeepFashionCDataset', 'ATTRIBUTE_TYPES', 'CATEGORY_TYPES',
           'FILES']
