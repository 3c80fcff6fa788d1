"""The deployable function of a trained classifier: packed images -> scores."""
import torch
from torch import nn


class ScoresModel(nn.Module):
    """Packed images (``uint8``, ``(N, 3, H, W)``, as ``PackInputs`` gives
    them, BGR) -> final per-value scores ``(N, num_classes)``: the config's
    data preprocessor (channel order, mean/std), backbone, neck and head,
    then sigmoid / softmax per task with the per-category value masks
    applied (``MultiTaskMaskedHead.scores``) -- the ``pred_score`` that
    ``tools/test.py`` and the inferencer give.

    Args:
        classifier (nn.Module): An mmpretrain ``ImageClassifier`` whose head
            is a ``MultiTaskMaskedHead``.
    """

    def __init__(self, classifier: nn.Module):
        super().__init__()
        self.classifier = classifier.eval()

    def _apply(self, fn, *args, **kwargs):
        """nn.Module's (``.to()``, ``.cpu()``, ``.float()``...), then the
        classifier's data preprocessor told its new device, as mmengine's
        ``BaseModel.to`` does: a plain module's ``.cpu()`` does not call
        it, and an export of a model that had been on a GPU then cast its
        input back to the GPU (seen on the GPU suite's run)."""
        super()._apply(fn, *args, **kwargs)
        param = next(self.parameters(), None)
        set_device = getattr(self.classifier, '_set_device', None)
        if param is not None and set_device is not None:
            set_device(param.device)
        return self

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        model = self.classifier
        inputs = model.data_preprocessor(dict(inputs=image), False)['inputs']
        logits = model.head(model.extract_feat(inputs)).float()
        return model.head.scores(logits)
