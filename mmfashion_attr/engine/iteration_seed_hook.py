"""Seed each training iteration's random draws from (seed, iteration)."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def iteration_seed(seed: int, iteration: int) -> int:
    """A 32-bit seed from the run's seed and the iteration number."""
    return int(np.random.SeedSequence(
        [seed % 2**32, iteration, 0x17E8]).generate_state(1)[0])


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Before each training iteration, seed torch's, NumPy's and Python's
    global generators from ``(randomness.seed, iteration)``.

    The model's random draws (dropout, drop path) then no longer depend on
    what else drew from the main process's generators: a data loader draws
    one number each time its iterator is made, once per run with persistent
    workers and once per epoch without, and validation loaders draw too.
    With ``SeededSampler`` + ``SeededRandomness`` for the data, a seed gives
    one model whatever the worker count; a run resumed mid-epoch redraws
    the same numbers.
    """
    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if runner.seed is None:
            raise ValueError('IterationSeedHook needs randomness.seed')
        seed = iteration_seed(runner.seed, runner.iter)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
