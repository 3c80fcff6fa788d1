"""SeededSampler: DefaultSampler's order, each index carrying a seed that
depends on (seed, epoch, index) only and survives pickling to a worker."""
import pickle

import pytest
from mmengine.dataset import DefaultSampler

from mmfashion_attr.datasets.samplers import (SeededIndex, SeededSampler,
                                              sample_seed)


class Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def test_same_order_as_default_sampler():
    data = Sized(10)
    seeded = SeededSampler(data, shuffle=True, seed=3)
    plain = DefaultSampler(data, shuffle=True, seed=3)
    for epoch in (0, 1):
        seeded.set_epoch(epoch)
        plain.set_epoch(epoch)
        assert list(map(int, seeded)) == list(plain)


def test_seed_depends_on_seed_epoch_and_index_not_position():
    sampler = SeededSampler(Sized(10), shuffle=True, seed=3)
    first = {int(i): i.seed for i in sampler}
    sampler.set_epoch(1)
    second = {int(i): i.seed for i in sampler}
    assert first == {i: sample_seed(3, 0, i) for i in range(10)}
    assert second == {i: sample_seed(3, 1, i) for i in range(10)}
    assert len(set(first.values())) == 10
    assert all(first[i] != second[i] for i in range(10))
    other_run = SeededSampler(Sized(10), shuffle=False, seed=4)
    assert all(i.seed != first[int(i)] for i in other_run)


def test_index_is_an_int_that_keeps_its_seed_through_pickle():
    index = SeededIndex(7, seed=123)
    assert index == 7 and [0, 1, 2, 3, 4, 5, 6, 7][index] == 7
    back = pickle.loads(pickle.dumps(index))
    assert type(back) is SeededIndex and back == 7 and back.seed == 123
    assert 'seed=123' in repr(index)


@pytest.mark.parametrize('seed', [-1, 2**40])
def test_any_python_int_seed(seed):
    assert 0 <= sample_seed(seed, 0, 0) < 2**32
