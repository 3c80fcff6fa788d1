"""Attribute-aware spatial attention (ASA) of M2Fashion (Wan et al., MMM
2022, section 3.2, eqs 1-5): the known attribute states choose where to pool
the image features.

Own code: no OpenMMLab library ships attribute-conditioned attention.
"""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class AttributeSpatialAttention(BaseModule):
    """``V_s = sum_l alpha_l I_l`` with ``alpha = softmax_l(tanh(W_v2
    (tanh(W_v1 I) * tanh(W_a1 A))))``.

    Args:
        channels (int): ``d``, the channels of the image features ``I``
            (512 in the paper, after a 1x1 reduction).
        num_attributes (int): ``K``; ``A`` holds one state per attribute:
            1 positive, -1 negative, 0 unknown.
    """

    def __init__(self, channels: int, num_attributes: int, init_cfg=None):
        super().__init__(init_cfg)
        self.embed = nn.Linear(num_attributes, channels, bias=False)  # W_a1
        self.image = nn.Conv2d(channels, channels, 1)  # W_v1
        self.score = nn.Conv2d(channels, 1, 1)  # W_v2

    def forward(self, feats: torch.Tensor,
                states: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``feats`` (N, d, h, w), ``states`` (N, K) -> ``V_s`` (N, d) and
        the attention ``alpha`` (N, h, w), summing to 1 over positions."""
        t1 = torch.tanh(self.embed(states.to(feats.dtype)))  # eq 1
        mapped = torch.tanh(self.image(feats))  # eq 2
        logits = torch.tanh(self.score(mapped * t1[:, :, None, None]))  # eq 3
        n, _, h, w = logits.shape
        alpha = logits.view(n, h * w).softmax(dim=1)  # eq 4
        pooled = torch.einsum('nl,ndl->nd', alpha, feats.flatten(2))  # eq 5
        return pooled, alpha.view(n, h, w)
