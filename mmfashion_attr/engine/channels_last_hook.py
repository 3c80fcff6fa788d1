"""Run the model in channels_last memory format (faster convs on GPUs and,
here, on CPUs too)."""
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, is_model_wrapper
from mmengine.registry import MODEL_WRAPPERS
from mmpretrain.registry import HOOKS


@MODEL_WRAPPERS.register_module()
class ChannelsLastDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` over a module converted to channels_last
    *before* wrapping, so DDP's gradient buckets match the parameters'
    strides (converting after wrapping makes DDP warn "Grad strides do not
    match bucket view strides" and copy every gradient).

    ``tools/train.py`` / ``tools/test.py`` pick it when ``ChannelsLastHook``
    is enabled in a distributed run (``mmfashion_attr.utils.distributed``).
    """

    def __init__(self, module, **kwargs):
        super().__init__(
            module=module.to(memory_format=torch.channels_last), **kwargs)


def channels_last_enabled(cfg) -> bool:
    """Whether a config enables ``ChannelsLastHook`` (the one switch)."""
    return any(str(h.get('type', '')).endswith('ChannelsLastHook')
               and h.get('enabled', True)
               for h in cfg.get('custom_hooks', None) or [])


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's parameters to channels_last before running.

    Convolutions then pick channels_last kernels, and their outputs keep the
    format; best combined with ``--amp`` on tensor-core GPUs. Distributed
    runs through ``tools/train.py`` are converted before DDP wraps the model
    (``ChannelsLastDistributedDataParallel``); this hook then has nothing
    left to do.

    Args:
        enabled (bool): Switch, so configs can carry it off by default.
    """
    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def _convert(self, runner):
        if not self.enabled:
            return
        model = runner.model
        if is_model_wrapper(model) and not isinstance(
                model, ChannelsLastDistributedDataParallel):
            print_log(
                'ChannelsLastHook: the model was wrapped before conversion '
                '(DDP gradient buckets keep the old strides); run through '
                "tools/train.py or set model_wrapper_cfg=dict(type="
                "'ChannelsLastDistributedDataParallel')", logger='current',
                level=30)
        model.to(memory_format=torch.channels_last)

    def before_train(self, runner):
        self._convert(runner)

    def before_val(self, runner):
        self._convert(runner)

    def before_test(self, runner):
        self._convert(runner)
