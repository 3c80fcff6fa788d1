"""Label-mask training of M2Fashion (Wan et al., MMM 2022, section 3.3,
after Lanchantin et al., CVPR 2021): per sample a random 25 %-100 % of the
labelled attributes are hidden; the model is given the rest as known states
and the attribute loss is taken on the hidden ones (eq 12).

Own transform: no OpenMMLab library masks input labels.
"""
import math
from typing import Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MaskAttributeStates(BaseTransform):
    """Set ``known_states`` (the states the model is given) and
    ``attr_loss_mask`` (the attributes the loss is taken on) from
    ``attr_states`` (1 / -1 / 0).

    Training: ``u`` of the ``n`` labelled attributes are hidden, ``u``
    drawn uniformly from the integers in ``[min_fraction * n, max_fraction
    * n]`` (at least one); ``known_states`` keeps the others.
    ``test_mode=True``: no random masking; the states of the attributes of
    ``known_types`` are given (as a seller would fill them in; needs the
    sample's ``attr_types``), every other state is unknown and in the loss
    mask (``AttributeTopKRecall`` leaves the given ones out).

    Args:
        min_fraction (float): 0.25 in the paper.
        max_fraction (float): 1.0 in the paper.
        test_mode (bool): No random masking.
        known_types (Sequence[int]): In test mode, the attribute types
            (DeepFashion-C: 1 texture ... 5 style) whose states are given.
    """

    def __init__(self, min_fraction: float = 0.25, max_fraction: float = 1.0,
                 test_mode: bool = False, known_types: Sequence[int] = ()):
        if not 0 < min_fraction <= max_fraction <= 1:
            raise ValueError('need 0 < min_fraction <= max_fraction <= 1, '
                             f'got {min_fraction}, {max_fraction}')
        if known_types and not test_mode:
            raise ValueError('known_types is a test_mode option')
        self.min_fraction, self.max_fraction = min_fraction, max_fraction
        self.test_mode = test_mode
        self.known_types = tuple(known_types)

    def transform(self, results: dict) -> dict:
        states = np.asarray(results['attr_states'], np.int8)
        labelled = np.flatnonzero(states != 0)
        known = np.zeros_like(states)
        hidden = np.zeros(states.shape, bool)
        if self.test_mode:
            given = np.zeros(states.shape, bool)
            if self.known_types:
                given = np.isin(results['attr_types'], self.known_types)
            known[given] = states[given]
            hidden[labelled] = True
            hidden &= ~given
        elif len(labelled):
            n = len(labelled)
            low = max(math.ceil(self.min_fraction * n - 1e-9), 1)
            high = max(math.floor(self.max_fraction * n + 1e-9), low)
            count = np.random.randint(low, high + 1)
            chosen = np.random.choice(labelled, count, replace=False)
            hidden[chosen] = True
            keep = np.setdiff1d(labelled, chosen)
            known[keep] = states[keep]
        results['known_states'] = known
        results['attr_loss_mask'] = hidden
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(min_fraction={self.min_fraction}, '
                f'max_fraction={self.max_fraction}, '
                f'test_mode={self.test_mode}, '
                f'known_types={self.known_types})')
