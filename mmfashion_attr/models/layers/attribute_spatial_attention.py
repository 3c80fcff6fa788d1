"""Attribute-aware spatial attention (ASA) of M2Fashion (Wan et al., MMM
2022, section 3.2, eqs 1-5): the attribute states choose where to pool
the image features.

Own code: no OpenMMLab library ships attribute-conditioned attention.
"""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from .attribute_state_embedding import AttributeStateEmbedding


@MODELS.register_module()
class AttributeSpatialAttention(BaseModule):
    """``alpha = softmax_l(tanh(W_v2 (tanh(W_v1 I) * T_1)))`` with ``T_1``
    the state embedding (eq 1, ``AttributeStateEmbedding``).

    Returns the attended map ``h w alpha_l I_l`` rather than its sum: its
    spatial mean is eq 5's ``V_s = sum_l alpha_l I_l``, its spatial max is
    what ACA pools (the paper's global max pooling of ``V_s``), and both see
    features on the scale of ``I`` (uniform ``alpha`` gives ``I`` back).

    Args:
        channels (int): ``d``, the channels of the image features ``I``
            (512 in the paper, after a 1x1 reduction).
        num_attributes (int): ``K``; one state per attribute: 1 positive,
            -1 negative, 0 unknown.
        unknown_state (bool): Unknown as a learned state of its own (True)
            or the paper's 0 input (False; see ``AttributeStateEmbedding``).
    """

    def __init__(self, channels: int, num_attributes: int,
                 unknown_state: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        self.embed = AttributeStateEmbedding(num_attributes, channels,
                                             unknown_state)  # W_a1
        self.image = nn.Conv2d(channels, channels, 1)  # W_v1
        self.score = nn.Conv2d(channels, 1, 1)  # W_v2

    def forward(self, feats: torch.Tensor,
                states: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``feats`` (N, d, h, w), ``states`` (N, K) -> the attended map
        ``h w alpha I`` (N, d, h, w) and ``alpha`` (N, h, w), summing to 1
        over positions."""
        t1 = self.embed(states.to(feats.dtype))  # eq 1
        mapped = torch.tanh(self.image(feats))  # eq 2
        logits = torch.tanh(self.score(mapped * t1[:, :, None, None]))  # eq 3
        n, _, h, w = logits.shape
        alpha = logits.view(n, h * w).softmax(dim=1).view(n, 1, h, w)  # eq 4
        return feats * (alpha * (h * w)), alpha.view(n, h, w)  # eq 5 (x hw)
