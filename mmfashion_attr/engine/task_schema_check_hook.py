"""Check, before the first iteration, that each dataset's attribute tasks
are the model head's, so that no run trains or scores on shifted columns.

Own hook: the schema is given to the head and to each dataset in the
config, and mmengine hands a dataset's ``metainfo`` to the evaluator, never
to the model.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ..datasets.task_signature import first_difference, task_signature
from ..errors import UserValueError
from ..models.heads import MultiTaskMaskedHead


def dataset_source(dataset, mode: str) -> str:
    """Names the dataset's schema file, else its annotation file."""
    schema = getattr(dataset, 'schema', None)
    source = getattr(schema, 'source', None) or getattr(
        dataset, 'ann_file', None)
    name = f"{mode}_dataloader's {type(dataset).__name__}"
    return f'{name} ({source})' if source else name


def check_dataset_tasks(model, dataset, mode: str) -> None:
    """Raise a ``ValueError`` (:class:`UserValueError`) naming both
    schemas and their first difference when ``dataset.metainfo['tasks']``
    differ from a head's tasks."""
    model = model.module if is_model_wrapper(model) else model
    tasks = getattr(dataset, 'metainfo', {}).get('tasks')
    if tasks is None:
        return
    for head in model.modules():
        if not isinstance(head, MultiTaskMaskedHead):
            continue
        names = (f'model.head ({head.schema_source})',
                 dataset_source(dataset, mode))
        diff = first_difference(head.signature, task_signature(tasks), names)
        if diff:
            raise UserValueError(
                f'model.head and the {mode} dataset have different attribute '
                f'tasks: {diff}. Give model.head.schema_file the dataset\'s '
                'schema (a child config that changes the dataset\'s '
                'schema_file must change the head\'s too).')


@HOOKS.register_module()
class TaskSchemaCheckHook(Hook):
    """Before training, validation and testing, compare the loop's dataset's
    tasks (``metainfo['tasks']``) with every ``MultiTaskMaskedHead`` of the
    model; a mismatch is an error naming both schema files and the first
    differing task or value. Models without such a head pass."""
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        check_dataset_tasks(runner.model,
                            runner.train_dataloader.dataset, 'train')

    def before_val(self, runner) -> None:
        check_dataset_tasks(runner.model, runner.val_loop.dataloader.dataset,
                            'val')

    def before_test(self, runner) -> None:
        check_dataset_tasks(runner.model,
                            runner.test_loop.dataloader.dataset, 'test')
