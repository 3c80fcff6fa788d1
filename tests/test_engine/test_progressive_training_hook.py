"""Progressive branch training: which parameters train in each stage (real
backward passes and optimizer steps), which images each stage draws, resume
mid-stage, and the final stage training every branch."""
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook

from tests.helpers.tiny_config import write_tiny_config
from tests.helpers.run_tool import run

# 24 train images, batch 4; stages: category (1 epoch), neck_type (2 epochs,
# images with neck_type labelled only), everything (1 epoch)
DELTA = '''
train_dataloader = dict(batch_size=4, sampler=dict(
    type='LabelledTaskSampler', shuffle=True))
train_cfg = dict(max_epochs=4, val_interval=4)
param_scheduler = None
custom_hooks = [dict(type='ProgressiveTrainingHook', stages=[
    dict(tasks=['category'], epochs=1, lr=1e-3),
    dict(tasks=['neck_type'], epochs=2, lr=5e-4),
    dict(tasks='all', epochs=1, lr=1e-4)])]
'''


class _Recorder(Hook):
    """Per iteration: the epoch, the sample indices and which parameters the
    optimizer step changed; the learning rate."""
    priority = 'LOWEST'

    def __init__(self):
        self.iters = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._before = {n: p.detach().clone()
                        for n, p in runner.model.named_parameters()}

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        changed = {n for n, p in runner.model.named_parameters()
                   if not torch.equal(p, self._before[n])}
        lr = runner.optim_wrapper.optimizer.param_groups[0]['lr']
        self.iters.append(dict(
            epoch=runner.epoch, changed=changed, lr=lr,
            samples=[s.sample_idx for s in data_batch['data_samples']]))


def progressive_config(tmp_path, synth_root):
    base = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=4)
    config = tmp_path / 'progressive.py'
    config.write_text(f'_base_ = {base!r}\n' + DELTA)
    return str(config)


@pytest.fixture(scope='module')
def trained(synth_root, tmp_path_factory):
    from mmengine.config import Config
    from mmengine.runner import Runner
    tmp = tmp_path_factory.mktemp('progressive')
    cfg = Config.fromfile(progressive_config(tmp, synth_root))
    cfg.work_dir = str(tmp / 'work')
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    runner = Runner.from_cfg(cfg)
    recorder = _Recorder()
    runner.register_hook(recorder)
    runner.train()
    labelled = runner.train_dataloader.sampler._mask
    names = [t['name'] for t in runner.model.head.tasks]
    return recorder.iters, labelled, names, runner.max_iters


def branch(name, names):
    return f'head.branches.{names.index(name)}.'


def trained_parts(changed, names):
    parts = {'base'} if any(not n.startswith('head.') for n in changed) \
        else set()
    return parts | {t for t in names if any(
        n.startswith(branch(t, names)) for n in changed)}


def test_each_stage_trains_the_base_and_its_branch_only(trained):
    iters, _, names, _ = trained
    for it in iters:
        parts = trained_parts(it['changed'], names)
        if it['epoch'] == 0:
            assert parts == {'base', 'category'}
            assert it['lr'] == 1e-3
        elif it['epoch'] in (1, 2):
            assert parts == {'base', 'neck_type'}
            assert it['lr'] == 5e-4


def test_final_stage_trains_every_branch(trained):
    iters, _, names, _ = trained
    final = set().union(*(trained_parts(it['changed'], names)
                          for it in iters if it['epoch'] == 3))
    assert final == {'base', *names}


def test_loop_length_follows_the_stages(trained):
    """The neck_type stage draws fewer images than the whole dataset: the
    loop's iteration count (ETA, the last-iteration checks) is the sum of
    the stages' real lengths, not max_epochs x the full epoch."""
    iters, labelled, _, max_iters = trained
    assert max_iters == len(iters) < 4 * (len(labelled) // 4)


def test_stage_lr_is_set_only_where_its_first_epoch_starts():
    """Resumed mid-way through a stage's first epoch, the learning rate is
    the checkpoint's (a scheduler or the user may have changed it), not
    the stage's again."""
    from types import SimpleNamespace

    from mmfashion_attr.engine import ProgressiveTrainingHook
    hook = ProgressiveTrainingHook([dict(tasks=['a'], epochs=1, lr=0.1),
                                    dict(tasks='all', epochs=1, lr=0.01)])
    model = torch.nn.Module()
    model.head = torch.nn.Module()
    model.head.tasks, model.head.branches = [dict(name='a')], [
        torch.nn.Linear(1, 1)]
    group = dict(lr=0.5)

    def runner(epoch, it, epoch_start):
        return SimpleNamespace(
            model=model, epoch=epoch, iter=it,
            train_loop=SimpleNamespace(epoch_start_iter=epoch_start),
            optim_wrapper=SimpleNamespace(
                optimizer=SimpleNamespace(param_groups=[group])),
            train_dataloader=SimpleNamespace(sampler=SimpleNamespace(
                set_tasks=lambda tasks: None, indices=[0])))

    hook.apply(runner(epoch=1, it=7, epoch_start=5), 1)  # mid-epoch resume
    assert group['lr'] == 0.5
    hook.apply(runner(epoch=1, it=5, epoch_start=5), 1)  # the epoch starts
    assert group['lr'] == 0.01


def test_each_stage_draws_the_images_labelled_for_it(trained):
    iters, labelled, names, _ = trained
    neck = set(np.flatnonzero(labelled[:, names.index('neck_type')]))
    assert 0 < len(neck) < len(labelled)
    for epoch in (1, 2):
        drawn = {i for it in iters if it['epoch'] == epoch
                 for i in it['samples']}
        assert drawn == neck
    final = {i for it in iters if it['epoch'] == 3 for i in it['samples']}
    assert final == set(range(len(labelled)))  # no image dropped


def test_stage_validation():
    from mmfashion_attr.engine import ProgressiveTrainingHook
    with pytest.raises(ValueError, match="last stage must be"):
        ProgressiveTrainingHook([dict(tasks=['a'], epochs=1)])
    with pytest.raises(ValueError, match=r"adds \['a'\] again"):
        ProgressiveTrainingHook([dict(tasks=['a'], epochs=1),
                                 dict(tasks=['a'], epochs=1),
                                 dict(tasks='all', epochs=1)])
    hook = ProgressiveTrainingHook([dict(tasks=['a'], epochs=2),
                                    dict(tasks=['b'], epochs=1,
                                         freeze_earlier=False),
                                    dict(tasks='all', epochs=1)])
    assert [hook.stage_at(e) for e in range(5)] == [0, 0, 1, 2, 2]
    assert hook.plan(1) == (['a', 'b'], ['a', 'b'], True, ['b'])
    assert hook.plan(2) == (None, None, True, None)


def test_resumed_mid_stage_equals_uninterrupted(synth_root, tmp_path):
    config = progressive_config(tmp_path, synth_root)
    every_iter = tmp_path / 'every_iter.py'
    every_iter.write_text(
        f'_base_ = {config!r}\n'
        'default_hooks = dict(checkpoint=dict(interval=1, by_epoch=False, '
        'save_best=None, max_keep_ckpts=-1))\n')
    crash = tmp_path / 'crash.py'  # killed in stage 2's second epoch
    crash.write_text(
        f'_base_ = {str(every_iter)!r}\n'
        "custom_imports = dict(imports=['mmfashion_attr', "
        "'tests.helpers.crash_hook'], allow_failed_imports=False)\n"
        'custom_hooks = [_base_.custom_hooks[0], '
        "dict(type='CrashAfterIterHook', iters=ITERS)]\n")
    whole, broken = str(tmp_path / 'whole'), str(tmp_path / 'broken')
    log = run(['tools/train.py', str(every_iter), '--work-dir', whole])
    log = log.stdout + log.stderr
    found = re.search(r'progressive stage 2/3 from epoch 2: .*; (\d+) images',
                      log)
    per_epoch = -(-int(found.group(1)) // 4)  # stage 2's batches per epoch
    assert per_epoch >= 2
    # last checkpoint one batch into stage 2's second epoch (epoch 1: 6
    # batches; the kill comes before the iteration's checkpoint)
    crash.write_text(crash.read_text().replace(
        'ITERS', str(6 + per_epoch + 2)))
    assert run(['tools/train.py', str(crash), '--work-dir', broken],
               check=False).returncode == 17
    resumed = run(['tools/train.py', str(every_iter), '--work-dir', broken,
                   '--resume'])
    out = resumed.stdout + resumed.stderr
    assert 'skipping the 1 batches of epoch 3' in out
    assert 'progressive stage 2/3 from epoch 3' in out
    with open(osp.join(whole, 'last_checkpoint')) as f:
        last = f.read().strip()
    ckpt = torch.load(last, map_location='cpu', weights_only=False)
    other = torch.load(osp.join(broken, osp.basename(last)),
                       map_location='cpu', weights_only=False)
    for key, value in ckpt['state_dict'].items():
        assert torch.equal(value, other['state_dict'][key]), key


def test_frozen_base_keeps_its_batch_norm_statistics():
    """``freeze_base=True``: the base's norm layers stay in eval mode (the
    loop's ``model.train()`` each epoch notwithstanding), so forward passes
    leave their running statistics as they were; the final stage trains
    them again."""
    from types import SimpleNamespace

    from mmfashion_attr.engine import ProgressiveTrainingHook
    hook = ProgressiveTrainingHook([dict(tasks=['a'], epochs=1),
                                    dict(tasks='all', epochs=1)],
                                   freeze_base=True)
    model = torch.nn.Module()
    model.base = torch.nn.Sequential(torch.nn.Linear(3, 4),
                                     torch.nn.BatchNorm1d(4))
    model.head = torch.nn.Module()
    model.head.tasks = [dict(name='a')]
    model.head.branches = torch.nn.ModuleList([torch.nn.Sequential(
        torch.nn.Linear(4, 2), torch.nn.BatchNorm1d(2))])
    runner = SimpleNamespace(
        model=model, epoch=0, iter=0, train_loop=SimpleNamespace(),
        optim_wrapper=None, train_dataloader=SimpleNamespace(
            sampler=SimpleNamespace(set_tasks=lambda tasks: None,
                                    indices=[0])))
    base_bn, branch_bn = model.base[1], model.head.branches[0][1]

    def one_iteration():
        model.train()  # as the loop does
        hook.before_train_iter(runner, 0)
        before = base_bn.running_mean.clone(), branch_bn.running_mean.clone()
        model.head.branches[0](model.base(torch.randn(8, 3) + 5))
        return (torch.equal(before[0], base_bn.running_mean),
                torch.equal(before[1], branch_bn.running_mean))

    hook.apply(runner, 0)
    assert not any(p.requires_grad for p in model.base.parameters())
    assert one_iteration() == (True, False)  # base frozen, branch learns
    hook.apply(runner, 1)
    assert one_iteration() == (False, False)
