"""Images as an exported model takes them (through the config's test pipeline,
packed: uint8 ``(N, 3, H, W)``), from image files or one of the config's
splits: one reader for the export parity check, calibration and parity."""
import copy
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmpretrain.registry import DATASETS

from ..errors import UserValueError
from .attribute_inferencer import expand_inputs, test_pipeline


def split_dataset(cfg: Config, split: str = 'test',
                  test_pipeline_too: bool = False):
    """The dataset of ``cfg.<split>_dataloader`` (``'train'``, ``'val'``,
    ``'test'``); with ``test_pipeline_too``, run through the test
    pipeline instead of its own (calibration on training images without
    the training augmentation). A dataset wrapper's inner dataset takes the
    pipeline."""
    key = f'{split}_dataloader'
    if cfg.get(key) is None:
        raise UserValueError(f'the config has no {key}')
    dataset = copy.deepcopy(cfg[key].dataset)
    if test_pipeline_too:
        pipeline = cfg.test_dataloader.dataset.pipeline
        inner = dataset
        while 'pipeline' not in inner and 'dataset' in inner:
            inner = inner['dataset']
        inner['pipeline'] = copy.deepcopy(pipeline)
    try:
        return DATASETS.build(dataset)
    except Exception as e:  # noqa: BLE001 (any dataset's own errors)
        raise UserValueError(f'cannot load the {split} set ({e})') from e


def stack_packed(items: list, what: str) -> torch.Tensor:
    """Pipeline outputs -> uint8 ``(N, 3, H, W)``; a user error when the
    pipeline gives several sizes (export needs one)."""
    if not items:
        raise UserValueError(f'no image in {what}')
    shapes = {tuple(item['inputs'].shape) for item in items}
    if len(shapes) > 1:
        raise UserValueError(
            f'the test pipeline gives images of several sizes {shapes}: '
            'export needs one (end it with Pad or CenterCrop)')
    return default_collate(items)['inputs']


def packed_images(cfg: Config, num: Optional[int] = None,
                  images: Optional[str] = None, split: str = 'test',
                  spread: bool = False) -> torch.Tensor:
    """Up to ``num`` images (all when ``None``) packed by the test pipeline:
    from ``images`` (a folder, a list file or a path) when given, else from
    the config's ``split`` set (through the test pipeline, whatever the
    split). ``spread``: evenly spaced over the set (a calibration set
    that is not one corner of a sorted catalogue), else the first ones."""
    if images:
        pipeline = test_pipeline(cfg)
        paths = expand_inputs(images)
        return stack_packed([pipeline(dict(img_path=p))
                             for p in paths[:num]], images)
    dataset = split_dataset(cfg, split, test_pipeline_too=split != 'test')
    total = len(dataset)
    count = total if num is None else min(num, total)
    if spread and count < total:
        index = np.linspace(0, total - 1, count).round().astype(int)
    else:
        index = np.arange(count)
    return stack_packed([dataset[int(i)] for i in index],
                        f'the {split} set')
