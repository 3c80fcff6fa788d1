"""Test-time augmentation for ``MultiTaskMaskedHead`` models."""
from typing import List

from mmpretrain.models import AverageClsScoreTTA
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class AverageAttrScoreTTA(AverageClsScoreTTA):
    """Average each image's scores over its views, then take ``pred_label``
    from the averaged scores with the head's thresholds.

    mmpretrain's ``AverageClsScoreTTA`` averages the scores but keeps the
    first view's ``pred_label``, so ``--tta`` dumps and images would not
    match the scores the metric reads.
    """

    def merge_preds(
            self, data_samples_list: List[List[DataSample]]
    ) -> List[DataSample]:
        merged = super().merge_preds(data_samples_list)
        head = self.module.head
        for sample in merged:
            sample.set_pred_label(head.labels_from_scores(sample.pred_score))
        return merged
