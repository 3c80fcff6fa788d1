"""Mask R-CNN's RoI head with an attribute branch (Attribute Mask R-CNN:
Gupta et al., *CNNs for Visual Analysis of Clothing*, CS231n 2020).

Own subclass of mmdet's ``StandardRoIHead``: training adds the attribute
loss on the positive RoIs (targets: each one's matched ground truth's
attributes); inference re-pools RoI features on the final boxes, as mask
prediction does, and returns ``pred_instances.attr_scores``.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, scale_boxes
from mmdet.utils import InstanceList
from torch import Tensor


@MODELS.register_module()
class AttributeRoIHead(StandardRoIHead):
    """``StandardRoIHead`` + ``attr_head`` (e.g. ``RoIAttributeHead``).

    Args:
        attr_head (dict): The attribute branch.
        attr_roi_extractor (dict, optional): Its RoI extractor; default:
            the box branch's.
        attr_categories (Sequence[int], optional): Class indices that have
            attributes; the others get zero attribute scores (Fashionpedia:
            garment parts and accessories have none). Default: all.
        **kwargs: ``StandardRoIHead``'s.
    """

    def __init__(self, attr_head: dict,
                 attr_roi_extractor: Optional[dict] = None,
                 attr_categories: Optional[Sequence[int]] = None, **kwargs):
        super().__init__(**kwargs)
        self.attr_head = MODELS.build(attr_head)
        self.attr_roi_extractor = (MODELS.build(attr_roi_extractor)
                                   if attr_roi_extractor else None)
        self.attr_categories = (None if attr_categories is None else
                                sorted(set(attr_categories)))

    def _attr_forward(self, x: Tuple[Tensor], rois: Tensor) -> Tensor:
        extractor = self.attr_roi_extractor or self.bbox_roi_extractor
        feats = extractor(x[:extractor.num_inputs], rois)
        return self.attr_head(feats)

    def attr_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult],
                  batch_gt_instances: InstanceList) -> dict:
        """Attribute loss of the positive RoIs."""
        rois = bbox2roi([res.pos_priors for res in sampling_results])
        targets = torch.cat([
            gt.attributes[res.pos_assigned_gt_inds]
            for res, gt in zip(sampling_results, batch_gt_instances)])
        return self.attr_head.loss(self._attr_forward(x, rois), targets)

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """``StandardRoIHead.loss`` (same assignment and sampling) plus
        ``loss_attr``."""
        batch_gt_instances, batch_gt_instances_ignore, _ = \
            unpack_gt_instances(batch_data_samples)
        sampling_results = []
        for i, rpn_results in enumerate(rpn_results_list):
            rpn_results.priors = rpn_results.pop('bboxes')
            assign_result = self.bbox_assigner.assign(
                rpn_results, batch_gt_instances[i],
                batch_gt_instances_ignore[i])
            sampling_results.append(self.bbox_sampler.sample(
                assign_result, rpn_results, batch_gt_instances[i],
                feats=[lvl_feat[i][None] for lvl_feat in x]))
        losses = dict()
        bbox_results = self.bbox_loss(x, sampling_results)
        losses.update(bbox_results['loss_bbox'])
        if self.with_mask:
            losses.update(self.mask_loss(
                x, sampling_results, bbox_results['bbox_feats'],
                batch_gt_instances)['loss_mask'])
        losses.update(self.attr_loss(x, sampling_results, batch_gt_instances))
        return losses

    def predict(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList,
                rescale: bool = False) -> InstanceList:
        """Boxes, labels, scores, masks and ``attr_scores`` per image."""
        metas = [s.metainfo for s in batch_data_samples]
        results_list = self.predict_bbox(x, metas, rpn_results_list,
                                         rcnn_test_cfg=self.test_cfg,
                                         rescale=False)
        # attributes from the final boxes, still in the network's scale
        rois = bbox2roi([res.bboxes for res in results_list])
        scores = (self.attr_head.predict(self._attr_forward(x, rois))
                  if len(rois) else rois.new_zeros(
                      (0, self.attr_head.num_attributes)))
        for res, attr in zip(results_list,
                             scores.split([len(r) for r in results_list])):
            if self.attr_categories is not None:
                allowed = res.labels.new_tensor(self.attr_categories)
                attr = attr * torch.isin(res.labels, allowed)[:, None]
            res.attr_scores = attr
        if self.with_mask:
            attr_scores = [res.attr_scores for res in results_list]
            results_list = self.predict_mask(x, metas, results_list,
                                             rescale=rescale)
            for res, attr in zip(results_list, attr_scores):
                if 'attr_scores' not in res:  # no detection: rebuilt empty
                    res.attr_scores = attr
        elif rescale:
            for res, meta in zip(results_list, metas):
                res.bboxes = scale_boxes(
                    res.bboxes, [1 / s for s in meta['scale_factor']])
        return results_list
