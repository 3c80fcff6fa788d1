"""Per-RoI attribute classifier for Attribute Mask R-CNN (Gupta et al.,
*CNNs for Visual Analysis of Clothing*, CS231n 2020, section 3.2.3: one or
two FC layers beside the box and class branches, sigmoid per attribute,
with or without one output set per category, BCE or focal loss,
optionally without the garments that have no attribute)."""
from typing import Optional, Sequence

import torch
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

AVG_OVER = ('rois', 'elements')


@MODELS.register_module()
class RoIAttributeHead(BaseModule):
    """FCs on per-RoI features, then one logit per attribute (per category
    when ``num_classes`` is given).

    Two inputs, as ``AttributeRoIHead``'s ``attr_from`` chooses: RoI
    feature maps ``(rois, in_channels, roi_feat_size, roi_feat_size)``, or
    the box head's shared FC features ``(rois, in_channels)`` (then
    ``roi_feat_size=1``; the seed's branch, figure 5).

    Args:
        num_attributes (int): Attributes (Fashionpedia: 294).
        in_channels (int): Input channels. Default: 256.
        roi_feat_size (int): Input side; 1 for vectors. Default: 7.
        fc_channels (Sequence[int]): Hidden FC widths, ReLU after each;
            ``()`` is the seed's single linear layer, ``(1024, )`` its
            double one. Default: (1024, ).
        num_classes (int, optional): One set of ``num_attributes`` outputs
            per category (the seed's "294*46 output neurons"); a RoI's
            prediction and loss read the slice of its class (the predicted
            one at inference, the ground truth's in training). Default:
            None, one set shared by all categories.
        loss (dict): An mmdet loss taking ``(logits, multi-hot targets,
            avg_factor=...)``: ``dict(type='CrossEntropyLoss',
            use_sigmoid=True)`` (BCE) or ``dict(type='FocalLoss',
            use_sigmoid=True)``.
        avg_over (str): ``'rois'``: the loss summed over attributes and
            averaged over the RoIs (RetinaNet's normalisation of the focal
            loss); ``'elements'``: averaged over RoIs x attributes (mmdet's
            default reduction; with 294 mostly absent attributes it is
            tiny next to the other losses). Default: 'rois'.
        skip_unlabelled (bool): Leave RoIs whose ground truth has no
            attribute out of the loss (the seed's "exclude samples with 0
            ground truth"). Default: True.
    """

    def __init__(self, num_attributes: int, in_channels: int = 256,
                 roi_feat_size: int = 7, fc_channels: Sequence[int] = (1024, ),
                 num_classes: Optional[int] = None,
                 loss: Optional[dict] = None, avg_over: str = 'rois',
                 skip_unlabelled: bool = True,
                 init_cfg: Optional[dict] = dict(
                     type='Xavier', layer='Linear', distribution='uniform')):
        super().__init__(init_cfg=init_cfg)
        if avg_over not in AVG_OVER:
            raise ValueError(f'avg_over {avg_over!r}, expected one of '
                             f'{AVG_OVER}')
        layers, width = [nn.Flatten()], in_channels * roi_feat_size ** 2
        for channels in fc_channels:
            layers += [nn.Linear(width, channels), nn.ReLU(inplace=True)]
            width = channels
        layers.append(nn.Linear(width, num_attributes * (num_classes or 1)))
        self.fcs = nn.Sequential(*layers)
        self.num_attributes, self.num_classes = num_attributes, num_classes
        self.loss_attr = MODELS.build(loss or dict(
            type='FocalLoss', use_sigmoid=True, loss_weight=1.0))
        self.avg_over = avg_over
        self.skip_unlabelled = skip_unlabelled

    def forward(self, feats: Tensor) -> Tensor:
        """Logits ``(rois, attributes)``, or ``(rois, classes * attributes)``
        with ``num_classes``."""
        return self.fcs(feats)

    def select(self, logits: Tensor, labels: Optional[Tensor]) -> Tensor:
        """``(rois, attributes)``: each RoI's class slice of per-category
        logits (``labels``: class per RoI), else the logits as they are."""
        if self.num_classes is None:
            return logits
        if labels is None:
            raise ValueError('per-category attribute outputs need each '
                             "RoI's class (labels)")
        per_class = logits.view(len(logits), self.num_classes,
                                self.num_attributes)
        return per_class[torch.arange(len(logits), device=logits.device),
                         labels.long()]

    def loss(self, logits: Tensor, targets: Tensor,
             labels: Optional[Tensor] = None) -> dict:
        """``loss_attr`` of the RoIs' logits against their ground truths'
        multi-hot attributes (``labels``: the ground truths' classes, for
        per-category outputs); 0 when no RoI is left."""
        logits = self.select(logits, labels)
        targets = targets.to(logits.dtype)
        if self.skip_unlabelled:
            keep = targets.sum(1) > 0
            logits, targets = logits[keep], targets[keep]
        if not len(logits):
            return dict(loss_attr=logits.sum() * 0)
        avg_factor = len(logits) if self.avg_over == 'rois' else None
        return dict(loss_attr=self.loss_attr(
            logits.float(), targets.float(), avg_factor=avg_factor))

    @torch.no_grad()
    def predict(self, logits: Tensor,
                labels: Optional[Tensor] = None) -> Tensor:
        """Attribute scores in [0, 1], ``(rois, attributes)`` (``labels``:
        the detections' classes, for per-category outputs)."""
        return self.select(logits, labels).sigmoid()
