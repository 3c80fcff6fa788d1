"""Per-RoI attribute classifier for Attribute Mask R-CNN (Gupta et al.,
*CNNs for Visual Analysis of Clothing*, CS231n 2020, section 3.2.3: one or
two FC layers beside the box and class branches, sigmoid per attribute,
BCE or focal loss, optionally without the garments that have no
attribute)."""
from typing import Optional, Sequence

import torch
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class RoIAttributeHead(BaseModule):
    """Shared FCs on the RoI features, then one logit per attribute.

    Args:
        num_attributes (int): Outputs (Fashionpedia: 294).
        in_channels (int): RoI feature channels. Default: 256.
        roi_feat_size (int): RoI feature side. Default: 7.
        fc_channels (Sequence[int]): Shared FC widths, ReLU after each;
            ``()`` is the seed's single linear layer. Default: (1024, ).
        loss (dict): An mmdet loss taking ``(logits, multi-hot targets)``:
            ``dict(type='CrossEntropyLoss', use_sigmoid=True)`` (BCE) or
            ``dict(type='FocalLoss', use_sigmoid=True)``.
        skip_unlabelled (bool): Leave RoIs whose ground truth has no
            attribute out of the loss (the seed's "exclude samples with 0
            ground truth"). Default: True.
    """

    def __init__(self, num_attributes: int, in_channels: int = 256,
                 roi_feat_size: int = 7, fc_channels: Sequence[int] = (1024, ),
                 loss: Optional[dict] = None, skip_unlabelled: bool = True,
                 init_cfg: Optional[dict] = dict(
                     type='Xavier', layer='Linear', distribution='uniform')):
        super().__init__(init_cfg=init_cfg)
        layers, width = [nn.Flatten()], in_channels * roi_feat_size ** 2
        for channels in fc_channels:
            layers += [nn.Linear(width, channels), nn.ReLU(inplace=True)]
            width = channels
        layers.append(nn.Linear(width, num_attributes))
        self.fcs = nn.Sequential(*layers)
        self.num_attributes = num_attributes
        self.loss_attr = MODELS.build(loss or dict(
            type='FocalLoss', use_sigmoid=True, loss_weight=1.0))
        self.skip_unlabelled = skip_unlabelled

    def forward(self, roi_feats: Tensor) -> Tensor:
        """Logits ``(rois, attributes)``."""
        return self.fcs(roi_feats)

    def loss(self, logits: Tensor, targets: Tensor) -> dict:
        """``loss_attr`` of the RoIs' logits against their ground truths'
        multi-hot attributes (0 when no RoI is left)."""
        targets = targets.to(logits.dtype)
        if self.skip_unlabelled:
            keep = targets.sum(1) > 0
            logits, targets = logits[keep], targets[keep]
        if not len(logits):
            return dict(loss_attr=logits.sum() * 0)
        return dict(loss_attr=self.loss_attr(logits.float(), targets.float()))

    @torch.no_grad()
    def predict(self, logits: Tensor) -> Tensor:
        """Attribute scores in [0, 1]."""
        return logits.sigmoid()
