"""A sampler whose indices carry their own augmentation seed, so random
augmentation depends on (seed, epoch, sample) only, not on which data
loader worker (or how many) prepares the sample."""
from typing import Iterator

import numpy as np
from mmengine.dataset import DefaultSampler
from mmpretrain.registry import DATA_SAMPLERS


class SeededIndex(int):
    """A dataset index with the seed its augmentation must draw from.

    An ``int`` for everything that indexes with it; the seed rides along
    through the data loader's queues to the worker (pickled with the int).
    """

    def __new__(cls, index: int, seed: int):
        obj = super().__new__(cls, index)
        obj.seed = int(seed)
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)

    def __repr__(self) -> str:
        return f'SeededIndex({int(self)}, seed={self.seed})'


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed from (run seed, epoch, dataset index), independent of
    the order the samples are drawn in."""
    return int(np.random.SeedSequence(
        [seed % 2**32, epoch, index]).generate_state(1)[0])


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """``DefaultSampler`` (same order) yielding :class:`SeededIndex` es.

    Pair it with the ``SeededRandomness`` transform around the random
    transforms of the train pipeline: each sample's augmentation is then
    drawn from ``sample_seed(seed, epoch, index)``, the same with 0, 2 or
    8 workers, persistent or not, and on any rank. mmengine's
    ``DefaultSampler`` alone leaves it to each worker's global random
    state, which depends on the worker count.

    Args:
        dataset, shuffle, seed, round_up: as ``DefaultSampler`` (the runner
            passes ``randomness.seed`` as ``seed``).
    """

    def __iter__(self) -> Iterator[SeededIndex]:
        for index in super().__iter__():
            yield SeededIndex(index, sample_seed(self.seed, self.epoch, index))
