"""M2Fashion (Wan et al., MMM 2022, section 3): image features guided by
the known attribute states (positive / negative / unknown) through
attribute-aware spatial (ASA) and channel (ACA) attention, then a category
and an attribute branch, trained with label masking and a triplet loss.

Own classifier: mmpretrain's ``ImageClassifier`` passes only the image to
its neck, and here the features depend on each sample's known states.
"""
from typing import List, Optional

import numpy as np
import torch
import torch.nn as nn
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..heads.m2fashion_head import stack_field
from ..layers.attribute_channel_attention import AttributeChannelAttention
from ..layers.attribute_spatial_attention import AttributeSpatialAttention


@MODELS.register_module()
class M2FashionClassifier(ImageClassifier):
    """Backbone -> 1x1 conv (section 4.1's reduction to 512) -> ASA (eqs
    1-5) -> ACA (global max pooling, eqs 6-8) -> FC (eq 9) ->
    ``M2FashionHead``; plus ``AttributeTripletLoss`` on ``Z`` (eqs 13-15).

    The known states come from each data sample's ``known_states`` (label
    masking in training; what a seller gave, or nothing, at test time); a
    sample without them is predicted with every state unknown.

    Args:
        backbone (dict): E.g. mmpretrain's ResNet-50.
        head (dict): ``M2FashionHead``.
        num_attributes (int): ``K``.
        in_channels (int): The backbone's last-stage channels (2048).
        channels (int): After the 1x1 reduction (512 in the paper).
        spatial_attention (bool): False: no ASA, ACA pools the image
            features (global max pooling: the paper's "w/o ASA").
        channel_attention (bool): False: eq 5's ``V_s`` directly ("w/o
            ACA"; without ASA too: global max pooling).
        aca_pooling (str): ACA's pooling of the attended map: ``'max'``
            (the paper) or ``'avg'`` (its Table 2 comparison).
        pooling_without_aca (str): With ASA but no ACA: ``'avg'``: eq 5's
            ``V_s`` (the attended map's sum, up to the constant h w; the
            paper's "w/o ACA"); ``'max'``: its global max, so that ACA's
            gate can be compared with the pooling held equal.
        unknown_state (bool): True: "unknown" is a learned state of its own
            in both state embeddings; False: the paper's 0 (nothing given
            then embeds to 0; see ``AttributeStateEmbedding``).
        triplet_loss (dict, optional): ``AttributeTripletLoss``; None: none.
    """

    def __init__(self, backbone: dict, head: dict, num_attributes: int,
                 in_channels: int = 2048, channels: int = 512,
                 spatial_attention: bool = True,
                 channel_attention: bool = True,
                 aca_pooling: str = 'max',
                 pooling_without_aca: str = 'avg',
                 unknown_state: bool = True,
                 triplet_loss: Optional[dict] = dict(
                     type='AttributeTripletLoss'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None, **kwargs):
        super().__init__(backbone=backbone, head=head,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg, **kwargs)
        if pooling_without_aca not in ('avg', 'max'):
            raise ValueError("pooling_without_aca must be 'avg' or 'max', "
                             f'got {pooling_without_aca!r}')
        self.pooling_without_aca = pooling_without_aca
        self.num_attributes = num_attributes
        self.reduce = nn.Conv2d(in_channels, channels, 1)
        self.spatial = AttributeSpatialAttention(
            channels, num_attributes,
            unknown_state=unknown_state) if spatial_attention else None
        self.channel = AttributeChannelAttention(
            channels, num_attributes, pooling=aca_pooling,
            unknown_state=unknown_state) if channel_attention else None
        self.fc = nn.Linear(channels, channels)  # eq 9
        self.triplet = MODELS.build(triplet_loss) if triplet_loss else None

    def known_states(self, inputs, data_samples) -> torch.Tensor:
        """(N, K) float states the model is given; zeros where absent."""
        n = inputs.size(0)
        if data_samples is None or not any('known_states' in s
                                           for s in data_samples):
            return inputs.new_zeros(n, self.num_attributes)
        rows = [np.asarray(s.known_states) if 'known_states' in s else
                np.zeros(self.num_attributes) for s in data_samples]
        return torch.from_numpy(np.stack(rows)).to(inputs.device,
                                                   inputs.dtype)

    def extract_feat(self, inputs: torch.Tensor,
                     data_samples: Optional[List[DataSample]] = None):
        """``Z`` (N, channels) for images and their known states."""
        states = self.known_states(inputs, data_samples)
        feats = self.reduce(self.backbone(inputs)[-1])
        if self.spatial is not None:
            feats, _ = self.spatial(feats, states)  # h w alpha I
        if self.channel is not None:
            pooled = self.channel(feats, states)  # pools, then gates
        elif (self.spatial is not None
              and self.pooling_without_aca == 'avg'):
            pooled = feats.mean(dim=(2, 3))  # eq 5's V_s
        else:
            pooled = feats.amax(dim=(2, 3))
        return self.fc(pooled)

    def attention(self, inputs: torch.Tensor,
                  data_samples: Optional[List[DataSample]] = None
                  ) -> torch.Tensor:
        """ASA's ``alpha`` (N, h, w) for images and their known states."""
        if self.spatial is None:
            raise ValueError('this model has no spatial attention')
        feats = self.reduce(self.backbone(inputs)[-1])
        return self.spatial(feats, self.known_states(inputs,
                                                     data_samples))[1]

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs, data_samples))
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        z = self.extract_feat(inputs, data_samples)
        losses = self.head.loss(z, data_samples)
        if self.triplet is not None:
            positives = stack_field(data_samples, 'attr_states').to(
                z.device) == 1
            losses['loss_triplet'] = self.triplet(z, positives)
        return losses

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        return self.head.predict(self.extract_feat(inputs, data_samples),
                                 data_samples)
