"""Progressive branch training: a shared base with one branch per attribute,
branches added one stage at a time, then everything fine-tuned (the
progressive fashion attribute extraction paper; see
configs/progressive/README.md for what the summary leaves open).

Own code: mmengine has no staged-training hook; this one only switches which
tasks have a loss, which parameters train, which samples are drawn and the
learning rate, at epoch boundaries.
"""
from typing import List

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS
from torch.nn.modules.batchnorm import _NormBase

from ..datasets.samplers import LabelledTaskSampler

ALL = 'all'


@HOOKS.register_module()
class ProgressiveTrainingHook(Hook):
    """Train a ``MultiTaskMaskedHead`` model in stages.

    Each stage names the task(s) whose branches it adds, its epochs and
    optionally its learning rate. In stage k:

    - loss: the new tasks only (plus the earlier ones when
      ``freeze_earlier=False``); branches not yet added have no loss and no
      gradient;
    - trainable: the base (backbone, neck) unless ``freeze_base``, the new
      branches, and the earlier ones unless ``freeze_earlier``; the others
      get ``requires_grad=False`` (the optimizer skips them), and their
      norm layers are kept in eval mode, so batch-norm running statistics
      stay frozen too;
    - data: ``LabelledTaskSampler`` draws the images with a new task
      labelled.

    The last stage is ``tasks='all'``: every branch and the base train on
    every task's loss, over every image (none is dropped for missing
    labels; the loss masks them per task). The stage follows from the epoch,
    so a resumed run (``--resume``) continues in the right stage with the
    right trainable set.

    Args:
        stages (list[dict]): ``dict(tasks=[names] | 'all', epochs=int,
            lr=float (optional: set when the stage's first epoch starts,
            not again on a resume; a by-epoch ``param_scheduler`` may still
            act on it), freeze_base=bool
            (optional), freeze_earlier=bool (optional))``. Their epochs must
            add up to
            ``train_cfg.max_epochs``.
        freeze_base (bool): Default for the stages before the last: False
            (each new attribute fine-tunes the base learnt so far).
        freeze_earlier (bool): Default: True (earlier branches keep what
            they learnt until the final stage).
    """
    priority = 'ABOVE_NORMAL'  # before the sampler seed and logging

    def __init__(self, stages: List[dict], freeze_base: bool = False,
                 freeze_earlier: bool = True):
        if not stages or stages[-1].get('tasks') != ALL:
            raise ValueError("the last stage must be dict(tasks='all', ...):"
                             ' the final fine-tuning of everything')
        seen = set()
        for i, stage in enumerate(stages[:-1]):
            tasks = stage.get('tasks')
            if isinstance(tasks, str) or not tasks:
                raise ValueError(f'stage {i + 1}: tasks must be a list of '
                                 f"task names (only the last is 'all')")
            again = sorted(seen & set(tasks))
            if again:
                raise ValueError(f'stage {i + 1} adds {again} again')
            seen |= set(tasks)
        for i, stage in enumerate(stages):
            if int(stage.get('epochs', 0)) < 1:
                raise ValueError(f'stage {i + 1}: epochs must be >= 1')
        self.stages = [dict(s) for s in stages]
        self.freeze_base = freeze_base
        self.freeze_earlier = freeze_earlier
        self.applied = None  # index of the stage in force
        self.frozen_norms = []  # of the stage in force: kept in eval mode

    def stage_at(self, epoch: int) -> int:
        """Index of the stage that trains epoch ``epoch`` (0-based)."""
        end = 0
        for i, stage in enumerate(self.stages):
            end += stage['epochs']
            if epoch < end:
                return i
        return len(self.stages) - 1

    def stage_start(self, index: int) -> int:
        """First epoch (0-based) of stage ``index``."""
        return sum(s['epochs'] for s in self.stages[:index])

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner) -> None:
        total = sum(s['epochs'] for s in self.stages)
        if total != runner.max_epochs:
            raise ValueError(f'the stages train {total} epochs, train_cfg '
                             f'max_epochs is {runner.max_epochs}')
        head = self._model(runner).head
        names = [t['name'] for t in head.tasks]
        for i, stage in enumerate(self.stages[:-1]):
            unknown = set(stage['tasks']) - set(names)
            if unknown:
                raise ValueError(f'stage {i + 1} names unknown tasks '
                                 f'{sorted(unknown)}; the head has {names}')
        sampler = runner.train_dataloader.sampler
        if not isinstance(sampler, LabelledTaskSampler):
            raise TypeError('progressive training samples per stage: set '
                            "train_dataloader.sampler=dict(type="
                            "'LabelledTaskSampler'), got "
                            f'{type(sampler).__name__}')
        self._check_schedulers(runner)
        # the loop counted max_epochs epochs of the whole dataset: count
        # each stage's epochs at its own length (ETA, runner.max_iters)
        runner.train_loop._max_iters = self.total_iters(runner)

    def total_iters(self, runner) -> int:
        """Iterations of the whole run: each stage's epochs times its
        batches per epoch (the sampler's subset for that stage)."""
        loader = runner.train_dataloader
        sampler, tasks = loader.sampler, loader.sampler.tasks
        total = 0
        try:
            for index, stage in enumerate(self.stages):
                sampler.set_tasks(self.plan(index)[3])
                total += stage['epochs'] * len(loader)
        finally:
            sampler.set_tasks(tasks)
        return total

    @staticmethod
    def _check_schedulers(runner) -> None:
        """Iteration-based schedulers were sized with the whole dataset's
        epoch length, which the stages do not have: refuse them."""
        schedulers = runner.param_schedulers or []
        if isinstance(schedulers, dict):
            schedulers = [s for group in schedulers.values() for s in group]
        by_iter = [type(s).__name__ for s in schedulers if not s.by_epoch]
        if by_iter:
            raise ValueError(
                f'iteration-based param schedulers {by_iter} count epochs of '
                'the whole dataset, but progressive stages draw subsets of '
                'other lengths: use by_epoch=True schedulers or the stages\' '
                '`lr`')

    def before_train_epoch(self, runner) -> None:
        index = self.stage_at(runner.epoch)
        if index != self.applied:
            self.apply(runner, index)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        # the loop calls model.train() each epoch (and after validation)
        for norm in self.frozen_norms:
            norm.eval()

    def plan(self, index: int):
        """``(loss tasks or None, trainable tasks or None, train base,
        sampled tasks or None)`` of stage ``index``; None: all."""
        stage = self.stages[index]
        if stage['tasks'] == ALL:
            return None, None, True, None
        new = list(stage['tasks'])
        earlier = [t for s in self.stages[:index] for t in s['tasks']]
        freeze_earlier = stage.get('freeze_earlier', self.freeze_earlier)
        trained = new if freeze_earlier else earlier + new
        base = not stage.get('freeze_base', self.freeze_base)
        return trained, trained, base, new

    def apply(self, runner, index: int) -> None:
        model = self._model(runner)
        head = model.head
        loss_tasks, trainable, base, sampled = self.plan(index)
        head.active_tasks = None if loss_tasks is None else set(loss_tasks)
        branch_of = {id(x): t['name'] for t, branch in
                     zip(head.tasks, head.branches)
                     for x in (*branch.parameters(), *branch.modules())}

        def trains(x) -> bool:
            task = branch_of.get(id(x))
            return base if task is None else (trainable is None
                                              or task in trainable)

        for p in model.parameters():
            p.requires_grad_(trains(p))
        self.frozen_norms = [m for m in model.modules()
                             if isinstance(m, _NormBase) and not trains(m)]
        stage = self.stages[index]
        # at the start of the stage's first epoch only: resumed later (even
        # mid-way through that epoch), the optimizer keeps the checkpoint's lr
        epoch_start = getattr(runner.train_loop, 'epoch_start_iter',
                              runner.iter)
        if 'lr' in stage and runner.epoch == self.stage_start(index) \
                and runner.iter == epoch_start:
            for group in runner.optim_wrapper.optimizer.param_groups:
                group['lr'] = stage['lr']
        runner.train_dataloader.sampler.set_tasks(sampled)
        self.applied = index
        tasks = 'all tasks' if loss_tasks is None else ', '.join(loss_tasks)
        print_log(
            f'progressive stage {index + 1}/{len(self.stages)} from epoch '
            f'{runner.epoch + 1}: loss on {tasks}; base '
            f'{"trains" if base else "frozen"}; '
            f'{len(runner.train_dataloader.sampler.indices)} images'
            + (f'; lr {stage["lr"]}' if 'lr' in stage else ''),
            logger='current')
