from types import SimpleNamespace

import torch

from mmfashion_attr.engine import ChannelsLastHook


def test_converts_conv_weights_only_when_enabled():
    for enabled in (True, False):
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3))
        ChannelsLastHook(enabled=enabled).before_train(
            SimpleNamespace(model=model))
        is_cl = model[0].weight.is_contiguous(
            memory_format=torch.channels_last)
        assert is_cl == enabled
