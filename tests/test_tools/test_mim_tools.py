"""mmpretrain's shipped tools, through mim, run our configs, also with
``--cfg-options ...num_workers=0`` on a config with persistent workers
(``WorkersAwareRunner``; PyTorch refuses persistence without workers)."""
import os.path as osp

from tests.helpers.tiny_config import write_tiny_config
from tests.helpers.run_tool import run

NO_WORKERS = ['--cfg-options', 'train_dataloader.num_workers=0',
              'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0']


def test_mim_train_and_test(synth_root, tmp_path):
    tiny = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=1)
    config = tmp_path / 'persistent.py'  # as the shipped configs
    config.write_text(f'_base_ = {tiny!r}\n' + ''.join(
        f'{split}_dataloader = dict(num_workers=2, persistent_workers=True)\n'
        for split in ('train', 'val', 'test')))
    work = str(tmp_path / 'work')
    train = run(['-m', 'mim', 'train', 'mmpretrain', str(config),
                 '--work-dir', work] + NO_WORKERS)
    assert 'Epoch(train) [1]' in train.stdout + train.stderr
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.exists(ckpt)
    test = run(['-m', 'mim', 'test', 'mmpretrain', str(config),
                '--checkpoint', ckpt, '--work-dir', str(tmp_path / 'test')]
               + NO_WORKERS)
    assert 'attr/mean_f1_micro' in test.stdout + test.stderr
