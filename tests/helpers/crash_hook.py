"""A hook that kills the training process mid-run, to test --resume."""
import os

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class CrashAfterIterHook(Hook):
    """Exit the process abruptly (no cleanup) after ``iters`` train iters."""

    def __init__(self, iters):
        self.iters = iters

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 >= self.iters:
            os._exit(17)
