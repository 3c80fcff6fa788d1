import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401


def test_labels_follow_the_merged_scores_not_the_first_view():
    classifier = torch.nn.Module()
    classifier.test_step = None  # a BaseTTAModel needs one
    classifier.head = MODELS.build(dict(
        type='MultiTaskMaskedHead', in_channels=4,
        tasks=[dict(name='category', num_classes=2, multi_label=False),
               dict(name='neck', num_classes=2)]))
    tta = MODELS.build(dict(type='AverageAttrScoreTTA', module=classifier))
    views = []
    for score in ([0.6, 0.4, 0.9, 0.45], [0.3, 0.7, 0.3, 0.65]):
        view = DataSample().set_pred_score(torch.tensor(score))
        views.append(view.set_pred_label(
            classifier.head.labels_from_scores(view.pred_score)))
    merged = tta.merge_preds([views])[0]
    # mean: [0.45, 0.55, 0.6, 0.55]: category 1; neck values 0 and 1
    assert torch.allclose(merged.pred_score,
                          torch.tensor([0.45, 0.55, 0.6, 0.55]))
    assert merged.pred_label.tolist() == [1, 2, 3]
    assert views[0].pred_label.tolist() == [0, 2]  # what sample 0 said
