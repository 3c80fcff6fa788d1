"""The attribute branch on Cascade Mask R-CNN: the shipped CPU config
trains (per-stage losses and the attribute loss, which reaches the
attribute head) and tests through the Fashionpedia metric on tiny
SynthFashion garments."""
import os.path as osp

import torch

from tests.helpers.resume_check import config_on
from tests.helpers.tiny_config import ROOT

CONFIG = osp.join(ROOT, 'configs', 'attr_mask_rcnn',
                  'attr-cascade-mask-rcnn_r18_fpn_synthfashion.py')


class LossRecorder:
    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses.append({k: float(v) for k, v in outputs.items()})


def test_cascade_trains_and_tests_with_attributes(tmp_path):
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from mmfashion_attr.datasets.synthfashion import generate
    from mmfashion_attr.models.roi_heads import CascadeAttributeRoIHead
    data = tmp_path / 'data'
    generate(str(data), num_train=2, num_val=2, size=64, seed=0, num_test=2,
             instances=True)
    cfg = config_on(CONFIG, data)
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.val_evaluator.ann_file = f'{data}/instances_val.json'
    cfg.test_evaluator.ann_file = f'{data}/instances_test.json'
    cfg.param_scheduler = [cfg.param_scheduler[0]]
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    head = runner.model.roi_head
    assert isinstance(head, CascadeAttributeRoIHead)
    recorder = type('Rec', (LossRecorder, Hook), {})()
    runner.register_hook(recorder)
    before = head.attr_head.state_dict()
    before = {k: v.clone() for k, v in before.items()}
    runner.train()
    (losses, ) = recorder.losses
    for stage in range(3):
        assert f's{stage}.loss_cls' in losses and f's{stage}.loss_mask' in \
            losses
    assert losses['loss_attr'] > 0
    after = head.attr_head.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    metrics = runner.test()
    assert any(k.startswith('fashionpedia/') for k in metrics)
    head.eval()
    results = runner.model.test_step(next(iter(runner.test_dataloader)))
    attr = results[0].pred_instances.attr_scores
    assert attr.shape == (len(results[0].pred_instances), 36)
