"""Give the head the evaluator's thresholds before validation and test."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ..evaluation.thresholds import evaluator_thresholds, load_thresholds


def attribute_head(model):
    """The ``MultiTaskMaskedHead`` under DDP / TTA wrappers, or None."""
    while is_model_wrapper(model) or (not hasattr(model, 'head')
                                      and hasattr(model, 'module')):
        model = model.module
    head = getattr(model, 'head', None)
    return head if hasattr(head, 'labels_from_scores') else None


@HOOKS.register_module()
class SyncThresholdsHook(Hook):
    """Set the head's ``pred_label`` thresholds from the ``AttributeF1`` of
    the running evaluator, so that ``--out`` dumps and ``--show-dir``
    images label exactly what the metric counts (one source: the config's
    ``val_evaluator`` / ``test_evaluator``)."""
    priority = 'VERY_HIGH'

    def _sync(self, model, evaluator):
        head = attribute_head(model)
        thresholds = evaluator_thresholds(evaluator, default=None)
        if head is not None and thresholds is not None:
            head.thresholds = load_thresholds(thresholds)

    def before_val(self, runner):
        self._sync(runner.model, runner.val_evaluator)

    def before_test(self, runner):
        self._sync(runner.model, runner.test_evaluator)
