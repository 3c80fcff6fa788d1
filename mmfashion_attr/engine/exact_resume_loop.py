"""An epoch-based train loop whose killed-and-resumed runs end exactly where
uninterrupted ones do.

Written because mmengine 0.10.7's ``EpochBasedTrainLoop`` restarts a partly
trained epoch from its first batch (so iteration checkpoints replay batches),
its checkpoints hold no random-number-generator state (augmentation, dropout
and drop-path draw differently after resuming), and validation draws from
the training RNG (a DataLoader iterator takes a seed from torch's).
"""
import random
from contextlib import contextmanager

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.registry import LOOPS


def get_rng_state() -> dict:
    """Python, numpy and torch (CPU and CUDA) generator states."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RngCheckpointHook(Hook):
    """Stores the training RNG state in every checkpoint and hands the
    resumed one to the loop."""
    priority = 'VERY_LOW'

    def __init__(self, loop):
        self.loop = loop

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint['rng_state'] = self.loop.training_rng_state()
        # where the epoch to resume starts (epochs may differ in length:
        # LabelledTaskSampler's subsets in progressive training). Saved
        # in after_train_epoch (meta's epoch already counts the finished
        # one) or between epochs, e.g. CheckpointHook's second save after
        # validation for save_best: the next epoch starts at this iteration
        meta = checkpoint.get('meta', {})
        between_epochs = not self.loop.in_epoch \
            or meta.get('epoch', 0) > self.loop.epoch
        checkpoint['epoch_start_iter'] = self.loop.iter if between_epochs \
            else self.loop.epoch_start_iter

    def after_load_checkpoint(self, runner, checkpoint):
        self.loop.resume_rng_state = checkpoint.get('rng_state')
        self.loop.resumed_epoch_start = checkpoint.get(
            'epoch_start_iter', -1)  # -1: an older checkpoint
        warn_on_other_schedule_ends(runner, checkpoint)


def warn_on_other_schedule_ends(runner, checkpoint) -> None:
    """A resumed scheduler keeps the ``end`` of the run that saved it
    (mmengine defaults it to that run's ``max_epochs``): resuming with a
    larger ``max_epochs`` then holds the learning rate where the first run
    stopped. Said, since nothing else shows it."""
    saved = checkpoint.get('param_schedulers')
    current = runner.param_schedulers
    if not saved or not isinstance(current, list) or \
            len(saved) != len(current):
        return
    for i, (state, scheduler) in enumerate(zip(saved, current)):
        if state.get('end') != getattr(scheduler, 'end', None):
            print_log(
                f'param_scheduler {i} ({type(scheduler).__name__}) resumes '
                f"with the checkpoint's end={state.get('end')}, not this "
                f'config\'s end={scheduler.end}: the checkpoint\'s run had '
                'another max_epochs (or end), and its schedule stops there. '
                'Give the scheduler an explicit end to train on it.',
                logger='current', level=30)


@LOOPS.register_module()
class ExactResumeEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with exact resume.

    - Every checkpoint stores the RNG states (``rng_state``); a resumed run
      restores them just before it fetches its first batch.
    - Resuming mid-epoch (iteration checkpoints) draws the batches already
      trained in that epoch from the epoch-seeded sampler and discards them,
      as mmengine's ``IterBasedTrainLoop`` does, then goes on with the next.
    - Validation runs with its own copy of the RNG states, so it does not
      shift the training draws.

    Exact for seeded runs (``randomness.seed``) with ``num_workers=0`` or
    non-persistent workers (skipped batches are loaded by the same workers
    in the same order); persistent workers restart their generators on
    resume. Same arguments as ``EpochBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, **kwargs):
        super().__init__(runner, dataloader, **kwargs)
        self.resume_rng_state = None
        self.resumed_epoch_start = None  # set when resuming
        self.epoch_start_iter = 0
        self.in_epoch = False  # between run_epoch's first and last hook
        self._outer_rng = None  # training RNG while validation runs
        runner.register_hook(_RngCheckpointHook(self))

    def training_rng_state(self) -> dict:
        return self._outer_rng or get_rng_state()

    @contextmanager
    def _own_rng(self):
        self._outer_rng = get_rng_state()
        try:
            yield
        finally:
            set_rng_state(self._outer_rng)
            self._outer_rng = None

    def run(self) -> torch.nn.Module:
        self.runner.call_hook('before_train')
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                with self._own_rng():
                    self.runner.val_loop.run()
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_epoch(self) -> None:
        # batches of this epoch trained before the checkpoint we resumed from
        start, self.resumed_epoch_start = self.resumed_epoch_start, None
        if start is None:
            done = 0
        elif start >= 0:  # (load_from, not resume: _iter is 0)
            done = max(self._iter - start, 0)
        else:  # checkpoint without epoch_start_iter: equal-length epochs
            done = self._iter - self._epoch * len(self.dataloader)
        self.epoch_start_iter = self._iter - done
        rng, self.resume_rng_state = self.resume_rng_state, None
        if rng is not None and done == 0:
            set_rng_state(rng)  # epoch checkpoint: state as the epoch ended
        self.in_epoch = True
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        batches = iter(self.dataloader)
        if done > 0:
            print_log(f'Resuming mid-epoch: skipping the {done} batches of '
                      f'epoch {self._epoch + 1} trained before the '
                      'checkpoint', logger='current')
            for _ in range(done):
                next(batches)
            if rng is not None:
                set_rng_state(rng)
        for idx, data_batch in enumerate(batches, start=done):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self.in_epoch = False
        self._epoch += 1
