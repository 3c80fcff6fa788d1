"""The attribute branch of an mmdet RoI head (Attribute Mask R-CNN: Gupta
et al., *CNNs for Visual Analysis of Clothing*, CS231n 2020), as a mixin so
that it rides on ``StandardRoIHead`` and ``CascadeRoIHead`` alike.

Own code: mmdet's RoI heads have box and mask branches only. Training adds
the attribute loss on the positive RoIs (targets: each one's matched ground
truth's attributes); inference pools RoI features on the final boxes, as
mask prediction does, and returns ``pred_instances.attr_scores``, zero for
the classes without attributes: the dataset's ``attr_category_ids`` (the set
the metric judges) mapped to class indices by ``set_dataset_meta``.
"""
import logging
from typing import List, Optional, Sequence, Tuple

import torch
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, scale_boxes
from mmdet.utils import InstanceList
from mmengine.logging import print_log
from torch import Tensor, nn


class AttributeBranchMixin:
    """``attr_head`` (e.g. ``RoIAttributeHead``) on an mmdet RoI head.

    The host calls :meth:`init_attr_branch` in its ``__init__`` and adds
    :meth:`attr_loss` to its losses; :meth:`predict` is shared.

    Args of :meth:`init_attr_branch`:
        attr_head (dict): The attribute branch.
        attr_roi_extractor (dict, optional): Its RoI extractor; default:
            the (last stage's) box branch's.
        attr_categories (Sequence[int], optional): Class indices that have
            attributes; the others get zero attribute scores (Fashionpedia:
            garment parts and accessories have none). ``None``: the
            dataset's, given by ``set_dataset_meta`` (``AttrCategoriesHook``
            in training and testing, ``AttributeDetInferencer`` from the
            checkpoint's ``dataset_meta``); until then all classes. Given
            explicitly, the dataset's must be the same set.
    """

    def init_attr_branch(self, attr_head: dict,
                         attr_roi_extractor: Optional[dict] = None,
                         attr_categories: Optional[Sequence[int]] = None
                         ) -> None:
        self.attr_head = MODELS.build(attr_head)
        self.attr_roi_extractor = (MODELS.build(attr_roi_extractor)
                                   if attr_roi_extractor else None)
        # the config's set (checked against the dataset's) and the one in
        # use (the dataset's once set_dataset_meta gave it)
        self.attr_categories_cfg = (None if attr_categories is None else
                                    sorted({int(i) for i in attr_categories}))
        self.attr_categories = self.attr_categories_cfg
        self._warned_no_meta = False

    @property
    def _num_classes(self) -> Optional[int]:
        head = self.bbox_head
        head = head[-1] if isinstance(head, nn.ModuleList) else head
        return getattr(head, 'num_classes', None)

    def set_dataset_meta(self, meta: dict, source: str = 'dataset') -> None:
        """Take the categories with attributes from a dataset's
        ``metainfo`` (or a checkpoint's ``dataset_meta``), the set
        ``FashionpediaMetric`` judges: its ``attr_category_ids`` (category
        ids) become class indices through ``category_ids`` (the id of
        each class, in class order). Without ``attr_category_ids`` nothing
        changes.

        Args:
            meta (dict): The metainfo.
            source (str): Named in errors (the dataset or checkpoint).

        Raises:
            ValueError: ``category_ids`` missing, not one per class of the
                box head, or lacking one of ``attr_category_ids``; or the
                config's ``attr_categories`` a different set.
        """
        attr_ids = meta.get('attr_category_ids')
        if attr_ids is None:
            return
        cat_ids = meta.get('category_ids')
        if cat_ids is None:
            raise ValueError(
                f"{source}: metainfo has 'attr_category_ids' but no "
                "'category_ids' (the id of each class) to map them to the "
                "model's class indices")
        cat_ids = [int(i) for i in cat_ids]
        num_classes = self._num_classes or len(cat_ids)
        if len(cat_ids) != num_classes or len(set(cat_ids)) != len(cat_ids):
            raise ValueError(
                f"{source}: metainfo's category_ids {cat_ids} are not one "
                f'distinct id per class of the box head (num_classes='
                f'{num_classes})')
        unknown = [int(i) for i in attr_ids if int(i) not in cat_ids]
        if unknown:
            raise ValueError(
                f"{source}: attr_category_ids {unknown} are not among the "
                f"classes' category_ids {cat_ids}")
        indices = sorted({cat_ids.index(int(i)) for i in attr_ids})
        if (self.attr_categories_cfg is not None
                and indices != self.attr_categories_cfg):
            raise ValueError(
                f'roi_head.attr_categories {self.attr_categories_cfg} '
                f"(class indices) disagree with {source}'s "
                f'attr_category_ids {sorted(int(i) for i in attr_ids)}, '
                f'class indices {indices} by its category_ids {cat_ids}; '
                'set roi_head.attr_categories=None to take the dataset\'s')
        self.attr_categories = indices

    def _attr_forward(self, x: Tuple[Tensor], rois: Tensor) -> Tensor:
        """Attribute logits of ``rois`` from pooled RoI features."""
        extractor = self.attr_roi_extractor or self.bbox_roi_extractor
        if isinstance(extractor, nn.ModuleList):  # cascade: the last stage's
            extractor = extractor[-1]
        return self.attr_head(extractor(x[:extractor.num_inputs], rois))

    def attr_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult],
                  batch_gt_instances: InstanceList,
                  bbox_results: Optional[dict] = None) -> dict:
        """Attribute loss of the positive RoIs of ``sampling_results``."""
        targets = torch.cat([
            gt.attributes[res.pos_assigned_gt_inds]
            for res, gt in zip(sampling_results, batch_gt_instances)])
        labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        logits = self._attr_logits_of_positives(x, sampling_results,
                                                bbox_results)
        return self.attr_head.loss(logits, targets, labels)

    def _attr_logits_of_positives(self, x, sampling_results, bbox_results):
        rois = bbox2roi([res.pos_priors for res in sampling_results])
        return self._attr_forward(x, rois)

    def predict(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList,
                rescale: bool = False) -> InstanceList:
        """Boxes, labels, scores, masks and ``attr_scores`` per image."""
        metas = [s.metainfo for s in batch_data_samples]
        results_list = self.predict_bbox(x, metas, rpn_results_list,
                                         rcnn_test_cfg=self.test_cfg,
                                         rescale=False)
        labels = torch.cat([res.labels for res in results_list])
        if all('attr_logits' in res for res in results_list):
            # taken in the box head's own pass (AttributeRoIHead attr_on)
            logits = torch.cat([res.attr_logits for res in results_list])
            for res in results_list:
                del res.attr_logits
        else:  # from the final boxes, still in the network's scale
            rois = bbox2roi([res.bboxes for res in results_list])
            logits = self._attr_forward(x, rois) if len(rois) else None
        scores = (self.attr_head.predict(logits, labels) if len(labels)
                  else labels.new_zeros((0, self.attr_head.num_attributes),
                                        dtype=torch.float))
        if self.attr_categories is None and not self._warned_no_meta:
            self._warned_no_meta = True
            print_log(
                f'{type(self).__name__}: attr_categories=None and no dataset '
                'meta given (AttrCategoriesHook, or a checkpoint with '
                "dataset_meta['attr_category_ids'] through "
                'AttributeDetInferencer): every class gets attribute scores',
                logger='current', level=logging.WARNING)
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
