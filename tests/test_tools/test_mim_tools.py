"""mmpretrain's shipped tools, through mim, run our configs."""
import os.path as osp

from tests.helpers.tiny_config import write_tiny_config
from tests.helpers.run_tool import run


def test_mim_train_and_test(synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=1)
    work = str(tmp_path / 'work')
    train = run(['-m', 'mim', 'train', 'mmpretrain', config, '--work-dir',
                 work])
    assert 'Epoch(train) [1]' in train.stdout + train.stderr
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.exists(ckpt)
    test = run(['-m', 'mim', 'test', 'mmpretrain', config, '--checkpoint',
                ckpt, '--work-dir', str(tmp_path / 'test')])
    assert 'attr/mean_f1_micro' in test.stdout + test.stderr
