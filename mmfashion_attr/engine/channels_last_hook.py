"""Run the model in channels_last memory format (faster convs on GPUs)."""
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's parameters to channels_last before running.

    Convolutions then pick channels_last kernels, and their outputs keep the
    format; best combined with ``--amp`` on tensor-core GPUs.

    Args:
        enabled (bool): Switch, so configs can carry it off by default.
    """
    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def _convert(self, runner):
        if self.enabled:
            runner.model.to(memory_format=torch.channels_last)

    def before_train(self, runner):
        self._convert(runner)

    def before_val(self, runner):
        self._convert(runner)

    def before_test(self, runner):
        self._convert(runner)
