"""Progressive branch training (tiny, three one-epoch stages; stage 2
draws only the images with its task labelled, so epochs differ in length):
killed after any iteration or after a validation that saved a new best,
and resumed, it ends with the uninterrupted run's weights."""
from mmengine.config import Config

from tests.helpers.resume_check import check_resume_everywhere
from tests.helpers.tiny_config import write_tiny_config

DELTA = '''
train_dataloader = dict(batch_size=8, sampler=dict(
    type='LabelledTaskSampler', shuffle=True))
param_scheduler = None
custom_hooks = [dict(type='ProgressiveTrainingHook', stages=[
    dict(tasks=['category'], epochs=1, lr=1e-3),
    dict(tasks=['neck_type'], epochs=1, lr=5e-4),
    dict(tasks='all', epochs=1, lr=1e-4)])]
'''


def test_resume_at_every_checkpoint(synth_root, tmp_path):
    base = write_tiny_config(tmp_path / 'tiny.py', synth_root, epochs=3)
    config = tmp_path / 'progressive.py'
    config.write_text(f'_base_ = {base!r}\n' + DELTA)
    check_resume_everywhere(Config.fromfile(str(config)), tmp_path)
