"""A run killed mid-epoch and resumed ends bit-identical to an
uninterrupted one (weights, optimizer state, scheduler)."""
import os.path as osp

import torch

from tests.helpers.tiny_config import write_tiny_config
from tests.helpers.run_tool import run

# 24 images / batch 6 = 4 iterations per epoch, 2 epochs; a checkpoint every
# iteration; validation every epoch; dropout so torch's RNG matters too
DELTA = '''
train_dataloader = dict(batch_size=6)
train_cfg = dict(max_epochs=2, val_interval=1)
model = dict(head=dict(dropout=0.2))
default_hooks = dict(checkpoint=dict(interval=1, by_epoch=False,
                                     max_keep_ckpts=-1))
'''


def final_state(work):
    ckpt = torch.load(osp.join(work, 'iter_8.pth'), map_location='cpu',
                      weights_only=False)
    return ckpt['state_dict'], ckpt['optimizer']['state']


def test_killed_mid_epoch_and_resumed_equals_uninterrupted(synth_root,
                                                           tmp_path):
    base = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=2)
    config = tmp_path / 'resume.py'
    config.write_text(f'_base_ = {base!r}\n' + DELTA)
    crash = tmp_path / 'crash.py'  # killed after iteration 6 of 8 (epoch 2)
    crash.write_text(
        f'_base_ = {str(config)!r}\n'
        "custom_imports = dict(imports=['mmfashion_attr', "
        "'tests.helpers.crash_hook'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='ChannelsLastHook'), "
        "dict(type='CrashAfterIterHook', iters=6)]\n")
    whole, broken = str(tmp_path / 'whole'), str(tmp_path / 'broken')
    run(['tools/train.py', str(config), '--work-dir', whole])
    assert run(['tools/train.py', str(crash), '--work-dir', broken],
               check=False).returncode == 17
    assert osp.exists(osp.join(broken, 'iter_5.pth'))
    resumed = run(['tools/train.py', str(config), '--work-dir', broken,
                   '--resume'])
    log = resumed.stdout + resumed.stderr
    assert 'skipping the 1 batches of epoch 2' in log
    weights_a, optim_a = final_state(whole)
    weights_b, optim_b = final_state(broken)
    assert weights_a.keys() == weights_b.keys()
    for key in weights_a:
        assert torch.equal(weights_a[key], weights_b[key]), key
    for k in optim_a:
        for name, value in optim_a[k].items():
            assert torch.equal(value, optim_b[k][name]), (k, name)
