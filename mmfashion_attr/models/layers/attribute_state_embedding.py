"""Embedding of an image's attribute states for M2Fashion's attention (Wan
et al., MMM 2022, eqs 1 and 6: ``tanh(W_a A)``), with "unknown" as a state
of its own.

The paper's encoding (``A`` in {1, -1, 0}, ``W_a`` without bias) embeds
"nothing given" as exactly 0, so ASA becomes average pooling and ACA
ignores the attributes whenever no state is known (the usual test case).
Here, by default, each attribute's state is one-hot over {negative,
unknown, positive} (``W_a`` in R^{d x 3K}, a learned vector per attribute
and state, as the state embeddings of C-Tran, Lanchantin et al., CVPR
2021); ``unknown_state=False`` gives the paper's ``W_a A``.

Own module: a thin wrapper of ``torch.nn.EmbeddingBag`` that checks the
states and picks the encoding.
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class AttributeStateEmbedding(BaseModule):
    """``tanh(sum_k E[k, s_k])`` for states ``s`` (N, K) in {-1, 0, 1}.

    Args:
        num_attributes (int): ``K``.
        channels (int): ``d``, the width of the embedding.
        unknown_state (bool): True: a learned vector per attribute and state
            (negative, unknown, positive), so an unknown state is embedded
            too. False: the paper's ``W_a A`` (unknown adds nothing,
            negative is minus positive).
    """

    def __init__(self, num_attributes: int, channels: int,
                 unknown_state: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        self.num_attributes = num_attributes
        self.unknown_state = unknown_state
        rows = num_attributes * (3 if unknown_state else 1)
        self.embed = nn.EmbeddingBag(rows, channels, mode='sum')
        # the sum of K unit-variance terms would saturate the tanh
        nn.init.normal_(self.embed.weight, std=num_attributes**-0.5)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """``states`` (N, K): 1 positive, -1 negative, 0 unknown -> (N, d)."""
        if states.dim() != 2 or states.size(1) != self.num_attributes:
            raise ValueError(f'states of shape (N, {self.num_attributes}) '
                             f'expected, got {tuple(states.shape)}')
        index = states.round().long()
        if ((index < -1) | (index > 1)).any():
            raise ValueError('attribute states must be 1 (positive), -1 '
                             '(negative) or 0 (unknown), got values in '
                             f'[{states.min().item()}, '
                             f'{states.max().item()}]')
        attr = torch.arange(self.num_attributes, device=states.device)
        attr = attr.expand_as(index)
        if self.unknown_state:
            out = self.embed(attr * 3 + index + 1)
        else:
            out = self.embed(attr, per_sample_weights=index.to(
                self.embed.weight.dtype))
        return torch.tanh(out)
