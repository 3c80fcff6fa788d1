"""Multi-task classifier of M2Fashion (Wan et al., MMM 2022, section 3.2,
eqs 10-12): a category branch (softmax cross-entropy) and an attribute
branch (sigmoid, binary cross-entropy on the attributes hidden by label-mask
training) over the attribute-guided feature ``Z``.

Own code: mmpretrain's ``MultiTaskHead`` cannot restrict the attribute loss
to each sample's masked attributes.
"""
from typing import List

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def stack_field(samples, key, dtype=None) -> torch.Tensor:
    return torch.from_numpy(np.stack(
        [np.asarray(s.get(key)) for s in samples])).to(dtype)


@MODELS.register_module()
class M2FashionHead(BaseModule):
    """Category and attribute branches.

    Data samples carry ``gt_label`` (category), ``attr_states`` (1 / -1 / 0
    per attribute) and, in training, ``attr_loss_mask`` (the attributes
    label-mask training hid from the model: eq 12 takes the loss on those;
    without it, on every labelled attribute).

    The attribute loss sums the binary cross-entropy over those attributes
    (eqs 11 and 12 sum over ``K``) and averages over the batch (as eq 10);
    ``lambda`` then weighs a sum, so it grows with the attributes hidden.

    Args:
        in_channels (int): Width of ``Z``.
        num_classes (int): Categories.
        num_attributes (int): Attributes.
        attribute_loss_weight (float): ``lambda`` of eq 15 (1 in the paper).
        attribute_reduction (str): ``'sum'``: over the attributes, then the
            batch mean (eqs 11-12); ``'mean'``: the mean over every
            (sample, attribute) in the loss.
    """

    def __init__(self, in_channels: int, num_classes: int,
                 num_attributes: int, attribute_loss_weight: float = 1.0,
                 attribute_reduction: str = 'sum', init_cfg=None):
        super().__init__(init_cfg)
        if attribute_reduction not in ('sum', 'mean'):
            raise ValueError("attribute_reduction must be 'sum' or 'mean', "
                             f'got {attribute_reduction!r}')
        self.attribute_reduction = attribute_reduction
        self.category = nn.Linear(in_channels, num_classes)
        self.attribute = nn.Linear(in_channels, num_attributes)
        self.attribute_loss_weight = attribute_loss_weight

    def forward(self, z: torch.Tensor):
        """Category and attribute logits."""
        return self.category(z), self.attribute(z)

    def loss(self, z: torch.Tensor, data_samples: List[DataSample]) -> dict:
        cat_logits, attr_logits = (x.float() for x in self(z))
        device = z.device
        labels = torch.cat([s.gt_label for s in data_samples]).to(device)
        states = stack_field(data_samples, 'attr_states').to(device)
        labelled = states != 0
        if all('attr_loss_mask' in s for s in data_samples):
            labelled &= stack_field(data_samples, 'attr_loss_mask',
                                    torch.bool).to(device)
        bce = F.binary_cross_entropy_with_logits(
            attr_logits, (states == 1).float(), reduction='none')
        weight = labelled.float()
        norm = (len(weight) if self.attribute_reduction == 'sum' else
                weight.sum().clamp(min=1))
        return dict(
            loss_category=F.cross_entropy(cat_logits, labels),
            loss_attribute=self.attribute_loss_weight *
            (bce * weight).sum() / norm)

    def predict(self, z: torch.Tensor,
                data_samples: List[DataSample] = None) -> List[DataSample]:
        """``pred_score`` / ``pred_label``: the category (mmpretrain's
        ``Accuracy`` reads them); ``pred_attr_score``: per attribute."""
        cat_logits, attr_logits = (x.float() for x in self(z))
        scores, attr_scores = cat_logits.softmax(1), attr_logits.sigmoid()
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(z))]
        for sample, score, attr in zip(data_samples, scores, attr_scores):
            sample.set_pred_score(score.detach()).set_pred_label(
                score.argmax().view(1))
            sample.set_field(attr.detach(), 'pred_attr_score')
        return data_samples
