"""SeededRandomness: the wrapped transforms draw from the sample's seed,
the caller's random state is left as it was, an unseeded index fails."""
import random

import numpy as np
import pytest
import torch

from mmfashion_attr.datasets.samplers import SeededIndex
from mmfashion_attr.datasets.transforms import SeededRandomness


def draws(results):
    results['draws'] = (random.random(), float(np.random.rand()),
                        float(torch.rand(())))
    return results


def test_same_seed_same_draws_whatever_the_global_state():
    wrap = SeededRandomness([draws])
    np.random.seed(1)
    a = wrap(dict(sample_idx=SeededIndex(5, seed=42)))['draws']
    np.random.seed(2)
    random.seed(2)
    torch.manual_seed(2)
    b = wrap(dict(sample_idx=SeededIndex(5, seed=42)))['draws']
    c = wrap(dict(sample_idx=SeededIndex(5, seed=43)))['draws']
    assert a == b and a != c


def test_caller_random_state_is_restored():
    wrap = SeededRandomness([draws])
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    expected = (random.random(), np.random.rand(), torch.rand(()))
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    wrap(dict(sample_idx=SeededIndex(1, seed=9)))
    assert (random.random(), np.random.rand(), torch.rand(())) == expected


def test_random_flip_follows_the_seed():
    wrap = SeededRandomness([dict(type='RandomFlip', prob=0.5,
                                  direction='horizontal')])
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    flips = [wrap(dict(img=img.copy(), sample_idx=SeededIndex(0, seed=s)))
             ['flip'] for s in range(20)]
    again = [wrap(dict(img=img.copy(), sample_idx=SeededIndex(0, seed=s)))
             ['flip'] for s in range(20)]
    assert flips == again and 0 < sum(flips) < 20


@pytest.mark.parametrize('index', [3, None])
def test_index_without_seed_is_an_error(index):
    with pytest.raises(TypeError, match="sampler=dict\\(type='SeededSampler'"):
        SeededRandomness([draws])(dict(sample_idx=index))
