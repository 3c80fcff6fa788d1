"""Attribute Mask R-CNN (CPU config, tiny): killed after any iteration or
after a validation that saved a new best, and resumed, it ends with the
uninterrupted run's weights (RPN and RoI sampling draw from torch's RNG)."""
import os.path as osp

from tests.helpers.resume_check import check_resume_everywhere, config_on
from tests.helpers.tiny_config import ROOT

CONFIG = osp.join(ROOT, 'configs', 'attr_mask_rcnn',
                  'attr-mask-rcnn_r18_fpn_synthfashion.py')


def test_resume_at_every_checkpoint(tmp_path):
    from mmfashion_attr.datasets.synthfashion import generate
    data = tmp_path / 'data'
    generate(str(data), num_train=4, num_val=2, size=64, seed=0,
             num_test=2, instances=True)
    cfg = config_on(CONFIG, data)
    cfg.train_dataloader.batch_size = 2  # 2 iterations an epoch
    cfg.val_evaluator.ann_file = f'{data}/instances_val.json'
    cfg.test_evaluator.ann_file = f'{data}/instances_test.json'
    cfg.train_cfg.update(max_epochs=2)
    cfg.param_scheduler = [cfg.param_scheduler[0]]  # warm-up only
    cfg.model.train_cfg.rpn_proposal.max_per_img = 32
    cfg.model.train_cfg.rcnn.sampler.num = 16
    cfg.model.test_cfg.rpn.max_per_img = 32
    cfg.default_hooks.checkpoint.update(
        save_best='fashionpedia/bbox_iou_AP_IOU50', rule='greater')
    check_resume_everywhere(cfg, tmp_path)
