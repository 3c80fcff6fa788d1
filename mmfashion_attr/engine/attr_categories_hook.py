"""Give Attribute Mask R-CNN's RoI head the dataset's categories with
attributes, the set the metric judges.

Own hook: mmengine's loops give a dataset's ``metainfo`` to the evaluator
and the visualizer (``dataset_meta``), not to the model, and mmdet has no
stock path for it in training or testing (its ``DetInferencer`` and
``init_detector`` set ``model.dataset_meta`` from a checkpoint, which
``AttributeDetInferencer`` passes on itself).
"""
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..models.roi_heads import AttributeBranchMixin


@HOOKS.register_module()
class AttrCategoriesHook(Hook):
    """Before training, validation and testing, pass the loop's dataset's
    ``metainfo`` (``attr_category_ids``, ``category_ids``) to every
    attribute RoI head of the model (``set_dataset_meta``), which maps
    the ids to class indices and checks them against its config.

    Validation and testing take their own dataset's set, as the metric
    does; training's is the one saved in the checkpoint's
    ``meta['dataset_meta']``.
    """
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        self._give(runner, 'train')

    def before_val(self, runner) -> None:
        self._give(runner, 'val')

    def before_test(self, runner) -> None:
        self._give(runner, 'test')

    @staticmethod
    def _give(runner, mode: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        heads = [m for m in model.modules()
                 if isinstance(m, AttributeBranchMixin)]
        if not heads:
            raise TypeError(
                f'AttrCategoriesHook: {type(model).__name__} has no '
                'attribute RoI head (AttributeRoIHead, '
                'CascadeAttributeRoIHead); remove the hook')
        dataset = getattr(runner, f'{mode}_loop').dataloader.dataset
        source = f"{mode}_dataloader's {type(dataset).__name__}"
        ann_file = getattr(dataset, 'ann_file', None)
        if ann_file:
            source += f' ({ann_file})'
        for head in heads:
            head.set_dataset_meta(dataset.metainfo, source)
