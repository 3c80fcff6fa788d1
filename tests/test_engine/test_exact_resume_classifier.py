"""The Parekh & Shaik classifier (demo config, tiny): killed after any
iteration or after a validation that saved a new best, and resumed, it ends
with the uninterrupted run's weights."""
from mmengine.config import Config

from tests.helpers.resume_check import check_resume_everywhere
from tests.helpers.tiny_config import write_tiny_config


def test_resume_at_every_checkpoint(synth_root, tmp_path):
    base = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=2)
    cfg = Config.fromfile(base)
    cfg.train_dataloader.batch_size = 8  # 24 images: 3 iterations an epoch
    cfg.model.head.dropout = 0.2  # torch's RNG matters too
    check_resume_everywhere(cfg, tmp_path)
