"""Run random transforms from the sample's own seed (see ``SeededSampler``).

Own wrapper: mmcv's ``Compose`` and ``RandomApply`` draw from the process's
global random state, which differs from worker to worker.
"""
import random
from typing import List, Optional, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform, Compose
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SeededRandomness(BaseTransform):
    """Apply ``transforms`` with Python's, NumPy's and torch's global random
    generators seeded from the sample's seed, then put back the caller's
    random state.

    The seed comes from ``results['sample_idx']`` (mmengine datasets set it
    to the index they were given), which ``SeededSampler`` makes a
    ``SeededIndex``; any other index is an error, so a config that forgets
    the sampler fails instead of silently augmenting from the worker's state.

    Args:
        transforms (list[dict | callable]): The transforms to seed (the
            random ones, e.g. ``RandomFlip``; loading may stay outside).
    """

    def __init__(self, transforms: List[Union[dict, callable]]):
        self.transforms = Compose(transforms)

    def transform(self, results: dict) -> Optional[dict]:
        index = results.get('sample_idx')
        seed = getattr(index, 'seed', None)
        if seed is None:
            raise TypeError(
                f'SeededRandomness got sample_idx={index!r} without a seed: '
                "set the dataloader's sampler=dict(type='SeededSampler') "
                '(and do not wrap the dataset in a way that renumbers it)')
        saved = (random.getstate(), np.random.get_state(),
                 torch.get_rng_state())
        try:
            random.seed(seed)
            np.random.seed(seed)
            torch.manual_seed(seed)
            return self.transforms(results)
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.set_rng_state(saved[2])

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.transforms!r})'
