"""AttributeInferencer's own call runs the model without autograd (its
``forward`` overrides mmengine's, which is under ``torch.no_grad``): with
it, the model ran slower and kept every activation for a backward pass."""
import glob
import os.path as osp

import torch

from mmfashion_attr.apis import AttributeInferencer
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config


def test_the_model_runs_without_autograd(synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root, size=32)
    checkpoint = save_tiny_checkpoint(config, tmp_path / 'tiny.pth')
    inferencer = AttributeInferencer(config, checkpoint)
    grad_enabled = []
    test_step = inferencer.model.test_step

    def recording_test_step(data):
        grad_enabled.append(torch.is_grad_enabled())
        return test_step(data)

    inferencer.model.test_step = recording_test_step
    images = sorted(glob.glob(osp.join(synth_root, 'images', 'test', '*')))
    results = inferencer(images[:4], batch_size=2)
    assert len(results) == 4 and grad_enabled == [False, False]
    assert torch.is_grad_enabled()  # only inside the call
