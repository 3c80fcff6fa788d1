"""M2Fashion (CPU config, tiny): killed after any iteration or after a
validation that saved a new best, and resumed, it ends with the
uninterrupted run's weights."""
import os.path as osp

from tests.helpers.resume_check import check_resume_everywhere, config_on
from tests.helpers.tiny_config import ROOT

CONFIG = osp.join(ROOT, 'configs', 'm2fashion',
                  'm2fashion_r18_synthfashion.py')


def test_resume_at_every_checkpoint(tmp_path):
    from mmfashion_attr.datasets.synthfashion import generate
    data = tmp_path / 'data'
    generate(str(data), num_train=16, num_val=4, size=48, seed=0,
             num_test=4, deepfashion_c=True)
    cfg = config_on(CONFIG, data)
    cfg.train_dataloader.batch_size = 8  # 2 iterations an epoch
    cfg.train_cfg.update(max_epochs=2)
    check_resume_everywhere(cfg, tmp_path)
