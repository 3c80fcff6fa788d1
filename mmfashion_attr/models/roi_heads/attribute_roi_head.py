"""Mask R-CNN's RoI head with an attribute branch (Attribute Mask R-CNN:
Gupta et al., *CNNs for Visual Analysis of Clothing*, CS231n 2020).

``StandardRoIHead`` + ``AttributeBranchMixin`` (``attribute_branch.py``).
The attribute branch reads either its own pooled RoI features
(``attr_from='rois'``) or the box head's shared FC features
(``attr_from='box_fcs'``, the seed's: its branch sits in detectron2's box
predictor beside class and box outputs, on the box head's 1024-d output).
Those are taken with a forward hook on the box head's last shared FC: it
works with mmdet's ``Shared2FCBBoxHead`` (and any ``ConvFCBBoxHead``)
unchanged, so configs, ``forward`` and checkpoint keys (COCO weights) stay
mmdet's, where a subclass would copy mmdet's ``forward`` to return them.

At test time the attributes come from the final boxes, pooled again
(``attr_on='final'``), or, with ``attr_from='box_fcs'``, from the proposal
each detection came from, in the box head's own pass (``attr_on=
'proposals'``: the seed's detectron2 predictor, whose attribute logits sit
beside the class scores).
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.layers import multiclass_nms
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, InstanceList
from mmengine.structures import InstanceData
from torch import Tensor

from .attribute_branch import AttributeBranchMixin

ATTR_FROM = ('rois', 'box_fcs')
ATTR_ON = ('final', 'proposals')


@MODELS.register_module()
class AttributeRoIHead(AttributeBranchMixin, StandardRoIHead):
    """``StandardRoIHead`` + ``attr_head`` (e.g. ``RoIAttributeHead``).

    Args:
        attr_head (dict): The attribute branch.
        attr_roi_extractor (dict, optional): Its RoI extractor with
            ``attr_from='rois'``; default: the box branch's.
        attr_from (str): ``'rois'``: the attribute head pools its own RoI
            features; ``'box_fcs'``: it reads the box head's shared FC
            output (set the head's ``in_channels`` to ``fc_out_channels``
            and ``roi_feat_size=1``). Default: 'rois'.
        attr_on (str): At test time, ``'final'``: pool the final boxes
            again; ``'proposals'`` (needs ``attr_from='box_fcs'``): each
            detection's attributes from its proposal's features in the box
            head's pass that gave its class scores. Default: 'final'.
        attr_categories (Sequence[int], optional): Class indices that have
            attributes (``AttributeBranchMixin``). Default: None.
        **kwargs: ``StandardRoIHead``'s.
    """

    def __init__(self, attr_head: dict,
                 attr_roi_extractor: Optional[dict] = None,
                 attr_categories: Optional[Sequence[int]] = None,
                 attr_from: str = 'rois', attr_on: str = 'final', **kwargs):
        super().__init__(**kwargs)
        if attr_from not in ATTR_FROM:
            raise ValueError(f'attr_from {attr_from!r}, expected one of '
                             f'{ATTR_FROM}')
        if attr_on not in ATTR_ON or (attr_on == 'proposals'
                                      and attr_from != 'box_fcs'):
            raise ValueError(f"attr_on {attr_on!r}: one of {ATTR_ON}, "
                             "'proposals' only with attr_from='box_fcs'")
        self.attr_from, self.attr_on = attr_from, attr_on
        self._proposal_feats = None  # with attr_on='proposals' only
        self.init_attr_branch(attr_head, attr_roi_extractor, attr_categories)
        self._shared_feats = None
        if attr_from == 'box_fcs':
            fcs = getattr(self.bbox_head, 'shared_fcs', None)
            if not fcs:
                raise ValueError(
                    "attr_from='box_fcs' needs a box head with shared FCs "
                    f'(mmdet ConvFCBBoxHead), not {type(self.bbox_head)}')
            fcs[-1].register_forward_hook(self._keep_shared_feats)

    def _keep_shared_feats(self, module, inputs, output):
        # ConvFCBBoxHead applies ReLU after each shared FC
        self._shared_feats = F.relu(output)

    def _bbox_forward(self, x: Tuple[Tensor], rois: Tensor) -> dict:
        """``StandardRoIHead._bbox_forward``, plus ``shared_feats`` (the box
        head's shared FC output) with ``attr_from='box_fcs'``."""
        results = super()._bbox_forward(x, rois)
        if self.attr_from == 'box_fcs':
            results['shared_feats'], self._shared_feats = \
                self._shared_feats, None
            if self._proposal_feats is not None:  # predict_bbox wants them
                self._proposal_feats.append(results['shared_feats'])
        return results

    def predict_bbox(self, x: Tuple[Tensor], batch_img_metas: List[dict],
                     rpn_results_list: InstanceList,
                     rcnn_test_cfg: ConfigType,
                     rescale: bool = False) -> InstanceList:
        """``StandardRoIHead.predict_bbox``; with ``attr_on='proposals'``
        each detection also gets ``attr_logits`` from the shared features
        of the proposal it came from (mmdet's NMS, with the indices of the
        kept boxes)."""
        if self.attr_on != 'proposals' or rcnn_test_cfg is None:
            return super().predict_bbox(x, batch_img_metas, rpn_results_list,
                                        rcnn_test_cfg, rescale)
        self._proposal_feats = []
        try:  # no NMS yet: every proposal's boxes and class scores
            raw = super().predict_bbox(x, batch_img_metas, rpn_results_list,
                                       None, rescale)
            feats = (torch.cat(self._proposal_feats) if self._proposal_feats
                     else x[0].new_zeros((0, self.bbox_head.fc_out_channels)))
        finally:
            self._proposal_feats = None
        feats = feats.split([len(r.bboxes) for r in rpn_results_list])
        results = []
        for res, feat in zip(raw, feats):
            num_classes = res.scores.size(1) - 1
            dets, labels, kept = multiclass_nms(
                res.bboxes, res.scores, rcnn_test_cfg.score_thr,
                rcnn_test_cfg.nms, rcnn_test_cfg.max_per_img,
                return_inds=True)
            proposal = torch.div(kept, num_classes, rounding_mode='floor')
            results.append(InstanceData(
                bboxes=dets[:, :-1], scores=dets[:, -1], labels=labels,
                attr_logits=self.attr_head(feat[proposal])))
        return results

    def _attr_forward(self, x: Tuple[Tensor], rois: Tensor) -> Tensor:
        """Attribute logits of ``rois``."""
        if self.attr_from == 'box_fcs':
            return self.attr_head(self._bbox_forward(x, rois)['shared_feats'])
        return super()._attr_forward(x, rois)

    def _attr_logits_of_positives(self, x, sampling_results, bbox_results):
        """With ``attr_from='box_fcs'``: the box head's features of
        ``bbox_results``, whose RoIs are each image's positives then
        negatives."""
        if self.attr_from != 'box_fcs':
            return super()._attr_logits_of_positives(x, sampling_results,
                                                     bbox_results)
        feats = bbox_results['shared_feats']
        positive = torch.cat([
            torch.arange(len(res.priors), device=feats.device)
            < len(res.pos_priors) for res in sampling_results])
        return self.attr_head(feats[positive])

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
        losses.update(self.attr_loss(x, sampling_results, batch_gt_instances,
                                     bbox_results))
        return losses
