"""Attribute-aware channel attention (ACA) of M2Fashion (Wan et al., MMM
2022, section 3.2, eqs 6-8): global max pooling of the spatially attended
features ``V_s``, then a gate over its channels computed from it and a
separate embedding of the attribute states.

Own code: no OpenMMLab library ships attribute-conditioned attention.
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from .attribute_state_embedding import AttributeStateEmbedding


@MODELS.register_module()
class AttributeChannelAttention(BaseModule):
    """``V_c = sigmoid(W_c2 sigmoid(W_c1 [T_2, v])) * v`` with ``v`` the
    global max (or average) pool of the attended map and ``T_2`` the state
    embedding (eq 6, ``AttributeStateEmbedding``).

    Args:
        channels (int): ``c``, the channels of ``V_s``.
        num_attributes (int): ``K``, the length of the state vector ``A``.
        hidden_channels (int, optional): Width of the first FC layer (the
            paper does not give it; default ``channels``).
        pooling (str): ``'max'``: global max pooling, as the paper states
            (section 3.2; Table 2's GMP); ``'avg'``: global average pooling
            (Table 2's GAP; on ASA's map, eq 5's weighted sum).
        unknown_state (bool): Unknown as a learned state of its own (True)
            or the paper's 0 input (False; see ``AttributeStateEmbedding``).
    """

    def __init__(self, channels: int, num_attributes: int,
                 hidden_channels: int = None, pooling: str = 'max',
                 unknown_state: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        if pooling not in ('max', 'avg'):
            raise ValueError(f"pooling must be 'max' or 'avg', got "
                             f'{pooling!r}')
        self.pooling = pooling
        hidden = hidden_channels or channels
        self.embed = AttributeStateEmbedding(num_attributes, channels,
                                             unknown_state)  # W_a2
        self.fc1 = nn.Linear(2 * channels, hidden)  # W_c1
        self.fc2 = nn.Linear(hidden, channels)  # W_c2

    def forward(self, feats: torch.Tensor,
                states: torch.Tensor) -> torch.Tensor:
        """``feats`` (N, c, h, w) (ASA's attended map, or the image
        features without ASA), ``states`` (N, K) -> ``V_c`` (N, c)."""
        pooled = (feats.amax(dim=(2, 3)) if self.pooling == 'max' else
                  feats.mean(dim=(2, 3)))
        t2 = self.embed(states.to(pooled.dtype))  # eq 6
        gate = torch.sigmoid(self.fc2(torch.sigmoid(
            self.fc1(torch.cat([t2, pooled], dim=1)))))  # eq 7
        return gate * pooled  # eq 8
