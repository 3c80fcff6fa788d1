"""Cascade R-CNN's RoI head (Cai & Vasconcelos, CVPR 2018; with masks:
Cascade Mask R-CNN) with the attribute branch of Attribute Mask R-CNN."""
from typing import Optional, Sequence, Tuple

from mmdet.models.roi_heads import CascadeRoIHead
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import InstanceList
from torch import Tensor

from .attribute_branch import AttributeBranchMixin


@MODELS.register_module()
class CascadeAttributeRoIHead(AttributeBranchMixin, CascadeRoIHead):
    """``CascadeRoIHead`` + ``attr_head`` (e.g. ``RoIAttributeHead``).

    The attribute loss is taken once, on the positives of the last stage
    that ran (the highest IoU threshold: the best-localised RoIs); at test
    time attributes are pooled on the final boxes with the last stage's RoI
    extractor (or ``attr_roi_extractor``), as masks are.

    Args:
        attr_head (dict): The attribute branch.
        attr_roi_extractor (dict, optional): Its RoI extractor; default:
            the last stage's box extractor.
        attr_categories (Sequence[int], optional): Class indices that have
            attributes (``AttributeBranchMixin``). Default: None.
        **kwargs: ``CascadeRoIHead``'s.
    """

    def __init__(self, attr_head: dict,
                 attr_roi_extractor: Optional[dict] = None,
                 attr_categories: Optional[Sequence[int]] = None, **kwargs):
        super().__init__(**kwargs)
        self.init_attr_branch(attr_head, attr_roi_extractor, attr_categories)
        self._last_sampling = None

    def bbox_loss(self, stage: int, x: Tuple[Tensor],
                  sampling_results) -> dict:
        """``CascadeRoIHead.bbox_loss``; keeps the stage's sampling."""
        self._last_sampling = sampling_results
        return super().bbox_loss(stage, x, sampling_results)

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """``CascadeRoIHead.loss`` (per-stage ``s{i}.`` losses) plus
        ``loss_attr``."""
        losses = super().loss(x, rpn_results_list, batch_data_samples)
        sampling, self._last_sampling = self._last_sampling, None
        batch_gt_instances = unpack_gt_instances(batch_data_samples)[0]
        losses.update(self.attr_loss(x, sampling, batch_gt_instances))
        return losses
