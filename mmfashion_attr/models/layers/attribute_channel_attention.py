"""Attribute-aware channel attention (ACA) of M2Fashion (Wan et al., MMM
2022, section 3.2, eqs 6-8): a gate over the channels of the pooled
feature, computed from it and a separate embedding of the known states.

Own code: no OpenMMLab library ships attribute-conditioned attention.
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class AttributeChannelAttention(BaseModule):
    """``V_c = sigmoid(W_c2 sigmoid(W_c1 [T_2, V_s])) * V_s`` with
    ``T_2 = tanh(W_a2 A)``.

    Args:
        channels (int): ``c``, the channels of ``V_s``.
        num_attributes (int): ``K``, the length of the state vector ``A``.
        hidden_channels (int, optional): Width of the first FC layer (the
            paper does not give it; default ``channels``).
    """

    def __init__(self, channels: int, num_attributes: int,
                 hidden_channels: int = None, init_cfg=None):
        super().__init__(init_cfg)
        hidden = hidden_channels or channels
        self.embed = nn.Linear(num_attributes, channels, bias=False)  # W_a2
        self.fc1 = nn.Linear(2 * channels, hidden)  # W_c1
        self.fc2 = nn.Linear(hidden, channels)  # W_c2

    def forward(self, pooled: torch.Tensor,
                states: torch.Tensor) -> torch.Tensor:
        """``pooled`` ``V_s`` (N, c), ``states`` (N, K) -> ``V_c`` (N, c)."""
        t2 = torch.tanh(self.embed(states.to(pooled.dtype)))  # eq 6
        gate = torch.sigmoid(self.fc2(torch.sigmoid(
            self.fc1(torch.cat([t2, pooled], dim=1)))))  # eq 7
        return gate * pooled  # eq 8
