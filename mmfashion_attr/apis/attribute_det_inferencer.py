"""mmdet's ``DetInferencer`` that keeps each garment's attributes.

Own subclass: mmdet's ``pred2dict`` keeps labels, scores, boxes and masks
and drops ``pred_instances.attr_scores``; and mmdet sets
``model.dataset_meta`` from the checkpoint but does not give the RoI head
its categories with attributes, which this one does.
"""
from typing import Dict

import numpy as np
from mmdet.apis import DetInferencer
from mmdet.structures import DetDataSample
from mmengine.registry import INFERENCERS

from ..models.roi_heads import AttributeBranchMixin
from ..utils.checkpoint_loading import load_trained_weights


@INFERENCERS.register_module()
class AttributeDetInferencer(DetInferencer):
    """``DetInferencer`` for Attribute Mask R-CNN: each prediction dict also
    has ``attr_scores`` (per detection, one score per attribute, in
    ``dataset_meta['attributes']``' order) and ``attributes`` (per
    detection, the names scoring at least ``attr_thr``, best first). Only
    the categories of the checkpoint's
    ``dataset_meta['attr_category_ids']`` get attribute scores (the
    others zero), checked against the config's ``attr_categories``.

    Args:
        attr_thr (float): Attribute score from which a name is listed.
            Default: 0.5.
        *args, **kwargs: ``DetInferencer``'s (model, weights, device...).
    """

    def __init__(self, *args, attr_thr: float = 0.5, **kwargs):
        self.attr_thr = attr_thr
        weights = kwargs.get('weights', args[1] if len(args) > 1 else None)
        self._weights_name = str(weights)  # for _load_weights_to_model's
        # errors (mmengine hands it the loaded checkpoint only)
        super().__init__(*args, **kwargs)
        if 'attributes' not in self.model.dataset_meta:
            raise ValueError('the checkpoint carries no attribute names '
                             '(dataset_meta["attributes"]): train it with '
                             'this plugin')
        # the categories with attributes the model was trained with, as
        # the checkpoint's meta carries them (Runner.save_checkpoint: the
        # training dataset's metainfo)
        for module in self.model.modules():
            if isinstance(module, AttributeBranchMixin):
                module.set_dataset_meta(
                    self.model.dataset_meta,
                    f"checkpoint {weights}'s dataset_meta")

    def _load_weights_to_model(self, model, checkpoint, cfg) -> None:
        """mmdet's, after refusing a checkpoint that does not fit the
        config (:func:`load_trained_weights`)."""
        if checkpoint is not None:
            load_trained_weights(model, checkpoint, self._weights_name,
                                 getattr(cfg, 'filename', None)
                                 or 'the given config')
        super()._load_weights_to_model(model, checkpoint, cfg)

    def pred2dict(self, data_sample: DetDataSample,
                  pred_out_dir: str = '') -> Dict:
        result = super().pred2dict(data_sample, pred_out_dir)
        pred = data_sample.get('pred_instances')
        if pred is None or 'attr_scores' not in pred:
            return result
        scores = pred.attr_scores.cpu().numpy()
        names = self.model.dataset_meta['attributes']
        result['attr_scores'] = scores.round(4).tolist()
        result['attributes'] = [
            [names[i] for i in np.argsort(-row, kind='stable')
             if row[i] >= self.attr_thr] for row in scores]
        return result
