"""Multi-scale neck of Parekh & Shaik (VISAPP 2023), section 4.3 and figure 5.

backbone taps -> optional FPN (4.1.3) -> optional per-scale attention (CBAM,
4.1.2) -> global average pooling per scale -> concatenation (feature fusion,
4.1.4). One class covers the baseline and all four ablations (5.2.1-5.2.5).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.registry import DefaultScope
from mmpretrain.models.necks import GlobalAveragePooling
from mmpretrain.registry import MODELS


def check_not_in_detector():
    """Refuse to be built in mmdet's scope, where the one pooled vector would
    reach an RPN / RoI head as its "feature maps" and fail in a conv."""
    scope = DefaultScope.get_current_instance()
    if scope is not None and scope.scope_name == 'mmdet':
        raise TypeError(
            'ScaleAttnFPN returns one pooled vector (a tuple with a single '
            '(N, C) tensor), not the multi-level feature maps that mmdet\'s '
            'RPN / RoI heads need; it was built in the mmdet scope (as a '
            "detector's neck?). Use a multi-level neck for a detector, e.g. "
            "dict(type='FPN', in_channels=[...], out_channels=256, "
            'num_outs=5). (ChannelPreservingFPN keeps a different width per '
            "level, which mmdet's heads, with one in_channels, do not take.)")


@MODELS.register_module()
class ScaleAttnFPN(BaseModule):
    """Fuse multi-scale feature maps into one vector.

    Args:
        in_channels (Sequence[int]): Channels of the backbone taps.
        fpn (dict, optional): FPN config, e.g. ``dict(type='mmdet.FPN',
            out_channels=256, num_outs=5, add_extra_convs='on_input')``
            (RetinaNet style) or ``dict(type='ChannelPreservingFPN')``;
            ``in_channels`` is filled in. None: no FPN.
        attention (dict, optional): Per-scale attention config, e.g.
            ``dict(type='CBAM')``; ``channels`` is filled in per scale.
            None: no attention.

    Returns from ``forward``: a 1-tuple with the fused ``(N, sum(C_i))`` tensor.
    It is a neck for classifiers: built in mmdet's scope (as a detector's
    ``neck``, e.g. ``type='mmpretrain.ScaleAttnFPN'``) it raises a
    ``TypeError``, since RPN / RoI heads need multi-level feature maps.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 fpn: Optional[dict] = None,
                 attention: Optional[dict] = dict(type='CBAM'),
                 init_cfg=None):
        check_not_in_detector()
        super().__init__(init_cfg)
        self.in_channels = list(in_channels)
        self.fpn = None
        level_channels = self.in_channels
        if fpn is not None:
            self.fpn = MODELS.build(dict(fpn, in_channels=self.in_channels))
            out = self.fpn.out_channels
            level_channels = list(out) if isinstance(out, Sequence) else \
                [out] * self.fpn.num_outs
        self.attentions = None
        if attention is not None:
            self.attentions = nn.ModuleList(
                MODELS.build(dict(attention, channels=c))
                for c in level_channels)
        self.pool = GlobalAveragePooling()
        self.out_channels = sum(level_channels)

    def forward(self, inputs):
        feats = tuple(inputs)
        assert len(feats) == len(self.in_channels), \
            f'expected {len(self.in_channels)} feature maps, got {len(feats)}'
        if self.fpn is not None:
            feats = tuple(self.fpn(feats))
        if self.attentions is not None:
            feats = tuple(att(x) for att, x in zip(self.attentions, feats))
        return (torch.cat(self.pool(feats), dim=1), )
