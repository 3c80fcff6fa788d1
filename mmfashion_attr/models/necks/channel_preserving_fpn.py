"""FPN whose levels keep their own channel counts (Parekh & Shaik 2023, 4.1.3).

"The forward and backward pathways are created in the same manner as in the
original paper but we have kept the number of channels at each feature layer
consistent": with EfficientNetV2-M taps the outputs are 80x48x48, 176x24x24
and 512x12x12 (768-d after pooling and concatenation, approaches 2 and 3).
Reuses mmdet's ``FPN`` (arguments, conv/norm/act configs, init); only the
convs get per-level widths and the top-down path gets a 1x1 projection from
the coarser level's channels to the finer level's, applied before upsampling.
"""
from typing import List, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.necks import FPN
from mmpretrain.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class ChannelPreservingFPN(FPN):
    """Lateral 1x1, top-down sum and 3x3 output convs at each level's width.

    Where it fits: any neck slot that takes per-level maps of different
    widths (``ScaleAttnFPN``'s ``fpn``, a classifier's neck followed by
    per-level pooling). Not a detector neck: mmdet's RPN and RoI heads share
    their convs across levels and need one width; use ``mmdet.FPN`` there.

    Args:
        in_channels (list[int]): Channels of the backbone taps (= outputs).
        **kwargs: mmdet ``FPN`` options (conv_cfg, norm_cfg, act_cfg,
            upsample_cfg, init_cfg). Extra levels are not supported:
            ``num_outs`` is ``len(in_channels)``.
    """

    def __init__(self, in_channels: List[int], conv_cfg=None, norm_cfg=None,
                 act_cfg=None, **kwargs):
        super().__init__(in_channels, out_channels=in_channels[-1],
                         num_outs=len(in_channels), conv_cfg=conv_cfg,
                         norm_cfg=norm_cfg, act_cfg=act_cfg, **kwargs)
        self.out_channels = list(in_channels)

        def conv(cin, cout, kernel):
            return ConvModule(cin, cout, kernel, padding=kernel // 2,
                              conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                              act_cfg=act_cfg, inplace=False)

        self.lateral_convs = nn.ModuleList(conv(c, c, 1) for c in in_channels)
        self.fpn_convs = nn.ModuleList(conv(c, c, 3) for c in in_channels)
        self.top_down_convs = nn.ModuleList(
            conv(coarse, fine, 1)
            for fine, coarse in zip(in_channels[:-1], in_channels[1:]))

    def forward(self, inputs: Tuple[Tensor]) -> tuple:
        assert len(inputs) == len(self.in_channels)
        laterals = [conv(x) for conv, x in zip(self.lateral_convs, inputs)]
        for i in range(len(laterals) - 1, 0, -1):
            top_down = self.top_down_convs[i - 1](laterals[i])
            if 'scale_factor' in self.upsample_cfg:
                top_down = F.interpolate(top_down, **self.upsample_cfg)
            else:
                top_down = F.interpolate(
                    top_down, size=laterals[i - 1].shape[2:],
                    **self.upsample_cfg)
            laterals[i - 1] = laterals[i - 1] + top_down
        return tuple(conv(x) for conv, x in zip(self.fpn_convs, laterals))
