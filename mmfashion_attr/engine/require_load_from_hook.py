"""Refuse to train a fine-tuning config from scratch.

Own hook: mmengine's Runner silently trains from the initial weights when
``load_from`` is unset, which for a fine-tuning schedule (a low learning
rate for 2 epochs) gives a model that looks trained but is not.
"""
from mmdet.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class RequireLoadFromHook(Hook):
    """Stop before the first training iteration unless a checkpoint was
    loaded (``load_from``) or a run resumed.

    Args:
        what (str): The checkpoint expected, for the error message.
            Default: 'a checkpoint'.
    """
    priority = 'VERY_HIGH'

    def __init__(self, what: str = 'a checkpoint'):
        self.what = what

    def before_train(self, runner) -> None:
        # set by Runner.load_or_resume when it loaded or resumed anything
        if not getattr(runner, '_has_loaded', False):
            name = getattr(runner.cfg, 'filename', None) or 'this config'
            raise RuntimeError(
                f'{name} fine-tunes {self.what} and none was loaded: give '
                'it with --cfg-options load_from=PATH (or --resume)')
