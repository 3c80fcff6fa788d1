"""Two processes on a CPU-only machine (gloo) through the shell launchers."""
import os
import os.path as osp
import pickle
import re
import socket
import subprocess
import sys

import pytest

from tests.helpers.tiny_config import ROOT, write_tiny_config
from tests.helpers.run_tool import run


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def launch(script, args):
    env = dict(os.environ, PYTHON=sys.executable, PORT=free_port(),
               PYTHONPATH=ROOT, CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run(['bash', osp.join('tools', script)] + args,
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f'{script} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc.stdout + proc.stderr


def logged_metrics(log):
    line = [ln for ln in log.splitlines() if 'Epoch(test)' in ln][-1]
    return dict(re.findall(r'(attr/\S+): ([\d.]+)', line))


@pytest.fixture(scope='module')
def dist_trained(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('dist')
    config = write_tiny_config(tmp / 'tiny.py', synth_root, epochs=1)
    work = str(tmp / 'work')
    log = launch('dist_train.sh', [config, '2', '--work-dir', work])
    return config, work, log


def test_two_process_training_saves_a_checkpoint_one_process_loads(
        dist_trained, tmp_path):
    config, work, log = dist_trained
    assert 'Grad strides do not match' not in log  # channels_last before DDP
    ckpt = osp.join(work, 'epoch_1.pth')
    proc = run(['tools/test.py', config, ckpt, '--work-dir', str(tmp_path)])
    assert 'attr/mean_f1_micro' in proc.stdout + proc.stderr


def test_two_process_test_counts_each_sample_once(dist_trained, tmp_path):
    config, work, _ = dist_trained
    ckpt = osp.join(work, 'epoch_1.pth')
    one = run(['tools/test.py', config, ckpt, '--work-dir',
               str(tmp_path / 'one')])
    out = str(tmp_path / 'preds.pkl')
    two = launch('dist_test.sh', [config, ckpt, '2', '--work-dir',
                                  str(tmp_path / 'two'), '--out', out])
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    # 7 test images over 2 ranks: the sampler pads one, counted once
    assert len(preds) == 7
    assert len({p['img_path'] for p in preds}) == 7
    metrics_one = logged_metrics(one.stdout + one.stderr)
    metrics_two = logged_metrics(two)
    assert metrics_one['attr/category/support'] == '7'
    assert metrics_one == metrics_two


def test_two_process_progressive_training(synth_root, tmp_path):
    """Frozen branches get no gradient: with find_unused_parameters (as the
    progressive configs set it) DDP trains through every stage."""
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=3)
    with open(config, 'a') as f:
        f.write('''
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='LabelledTaskSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=pipeline))
param_scheduler = None
find_unused_parameters = True
custom_hooks = [dict(type='ChannelsLastHook', enabled=True),
                dict(type='ProgressiveTrainingHook', stages=[
    dict(tasks=['category'], epochs=1), dict(tasks=['neck_type'], epochs=1),
    dict(tasks='all', epochs=1)])]
''')
    log = launch('dist_train.sh', [config, '2', '--work-dir',
                                   str(tmp_path / 'work')])
    for stage in ('1/3', '2/3', '3/3'):
        assert f'progressive stage {stage}' in log
    assert osp.exists(tmp_path / 'work' / 'epoch_3.pth')
