"""CBAM: Convolutional Block Attention Module (Woo et al., ECCV 2018).

Used by Parekh & Shaik (VISAPP 2023), section 4.1.2, after the backbone
(baseline) and per scale after the FPN (approaches 1, 3, 4).
Written here because neither mmpretrain nor mmdet ships CBAM, and mmyolo
(which has one in ``models/plugins/cbam.py``) pins an mmcv older than ours.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


class ChannelAttention(BaseModule):
    """Channel gate: shared MLP over avg- and max-pooled descriptors (CBAM eq. 2)."""

    def __init__(self, channels, reduce_ratio=16, act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg)
        hidden = max(channels // reduce_ratio, 1)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.max_pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Sequential(
            ConvModule(channels, hidden, 1, act_cfg=act_cfg),
            ConvModule(hidden, channels, 1, act_cfg=None))

    def forward(self, x):
        return torch.sigmoid(self.fc(self.avg_pool(x)) +
                             self.fc(self.max_pool(x)))


class SpatialAttention(BaseModule):
    """Spatial gate: conv over channel-wise mean and max maps (CBAM eq. 3)."""

    def __init__(self, kernel_size=7, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = ConvModule(2, 1, kernel_size, padding=kernel_size // 2,
                               act_cfg=dict(type='Sigmoid'))

    def forward(self, x):
        pooled = torch.cat([x.mean(dim=1, keepdim=True),
                            x.amax(dim=1, keepdim=True)], dim=1)
        return self.conv(pooled)


@MODELS.register_module()
class CBAM(BaseModule):
    """Channel attention followed by spatial attention, each a multiplicative gate.

    Also an mmcv plugin (``build_plugin_layer`` passes ``in_channels``), e.g.
    in mmdet's ResNet: ``plugins=[dict(cfg=dict(type='mmpretrain.CBAM'),
    stages=(False, True, True, True), position='after_conv3')]``.

    Args:
        channels (int): Input (= output) channels.
        reduce_ratio (int): Channel reduction of the channel-attention MLP.
        kernel_size (int): Kernel of the spatial-attention conv.
        act_cfg (dict): Activation of the channel-attention MLP.
        in_channels (int, optional): ``channels`` under the mmcv plugin
            name; give one of the two.
    """
    _abbr_ = 'cbam'  # the module name mmcv's build_plugin_layer gives it

    def __init__(self, channels: Optional[int] = None, reduce_ratio=16,
                 kernel_size=7, act_cfg=dict(type='ReLU'), init_cfg=None,
                 in_channels: Optional[int] = None):
        super().__init__(init_cfg)
        if channels is None:
            channels = in_channels
        elif in_channels is not None and in_channels != channels:
            raise ValueError(f'CBAM: channels={channels} but in_channels='
                             f'{in_channels}; give one of the two')
        if channels is None:
            raise TypeError('CBAM needs channels (or in_channels)')
        self.channel_attention = ChannelAttention(channels, reduce_ratio,
                                                  act_cfg)
        self.spatial_attention = SpatialAttention(kernel_size)

    def forward(self, x):
        x = self.channel_attention(x) * x
        return self.spatial_attention(x) * x
