"""Kill-and-resume at every checkpoint of a short run, in one process.

An uninterrupted run saves a checkpoint after every iteration, and
CheckpointHook saves again after each validation that finds a new best
(``save_best``); :class:`SnapshotHook` keeps a copy of each save, which is
what a kill right after it would leave. Each copy is then resumed to the
end, and its final weights must equal the uninterrupted run's.
"""
import os
import os.path as osp
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner


class SnapshotHook(Hook):
    """Writes each checkpoint as it is saved (after every other hook has
    added to it) to ``out_dir/NNN.pth``."""
    priority = 'LOWEST'

    def __init__(self, out_dir):
        self.out_dir, self.saved = out_dir, []
        os.makedirs(out_dir, exist_ok=True)

    def before_save_checkpoint(self, runner, checkpoint):
        if 'optimizer' not in checkpoint:  # best_*.pth: weights only
            return
        path = osp.join(self.out_dir, f'{len(self.saved):03d}.pth')
        torch.save(checkpoint, path)
        self.saved.append((path, runner.iter, runner.epoch))


def _train(cfg, work_dir, name, resume_from=None, hooks=()):
    cfg = Config(cfg.to_dict())  # a copy: Runner.from_cfg changes it
    cfg.work_dir, cfg.experiment_name = str(work_dir), name
    cfg.resume, cfg.load_from = resume_from is not None, resume_from
    runner = Runner.from_cfg(cfg)
    for hook in hooks:
        runner.register_hook(hook)
    runner.train()
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def config_on(config: str, data_root: str) -> Config:
    """``config`` reading every split from ``data_root`` in the main
    process (exact resume needs no persistent workers)."""
    cfg = Config.fromfile(config)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.data_root = str(data_root)
    cfg.randomness = dict(seed=0)
    return cfg


def every_iteration(cfg: Config) -> Config:
    """``cfg`` with validation every epoch, a checkpoint every iteration and
    ``save_best`` kept from the config (or set to ``save_best``)."""
    cfg = Config(cfg.to_dict())
    cfg.train_cfg.val_interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, by_epoch=False,
                                        max_keep_ckpts=-1)
    assert cfg.default_hooks.checkpoint.get('save_best'), \
        'the check needs save_best on'
    return cfg


def remove_checkpoints(folder) -> None:
    for path in Path(folder).rglob('*.pth'):
        path.unlink()


def check_resume_everywhere(cfg: Config, tmp_path, min_resaves=1):
    """Resume from every checkpoint of ``cfg``'s run; each ends equal to
    the uninterrupted run. Returns the snapshots ``(path, iter, epoch)``."""
    cfg = every_iteration(cfg)
    snapshots = SnapshotHook(str(tmp_path / 'snapshots'))
    whole = _train(cfg, tmp_path / 'whole', 'whole', hooks=[snapshots])
    # each run's own checkpoints are not needed after it (the snapshots
    # are): a detector's 20 of 157 MB would otherwise fill a small disk.
    # Only the checkpoints: a config naming its visualizer makes the later
    # runs reuse the first one's, which writes into this run's folder
    remove_checkpoints(tmp_path / 'whole')
    iters = [it for _, it, _ in snapshots.saved]
    # some iteration saved twice: after training it and after validating
    assert len(iters) - len(set(iters)) >= min_resaves, iters
    for k, (path, it, epoch) in enumerate(snapshots.saved[:-1]):
        resumed = _train(cfg, tmp_path / f'resumed_{k}', f'resumed_{k}',
                         resume_from=path)
        for key, value in whole.items():
            assert torch.equal(value, resumed[key]), (
                f'resumed from checkpoint {k} (iteration {it}, epoch '
                f'{epoch}): {key} differs from the uninterrupted run')
        remove_checkpoints(tmp_path / f'resumed_{k}')
    return snapshots.saved
