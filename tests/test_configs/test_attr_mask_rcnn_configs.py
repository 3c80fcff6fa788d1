"""Attribute Mask R-CNN configs: the R-50 1x config and the seed's fine-tune
build; the CPU variant trains on SynthFashion garments through
tools/train.py and tests through tools/test.py; the written results file
scores the same in the stand-alone evaluator; the detection demo writes JSON
and drawn images. The tools run in this process (each one's own process
would add ~8 s of imports; tools/train.py's and tools/test.py's command
lines are run as subprocesses in tests/test_tools/)."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmfashion_attr  # noqa: F401
from tests.helpers.in_process_tool import run_in_process
from tests.helpers.tiny_config import ROOT

FOLDER = osp.join(ROOT, 'configs', 'attr_mask_rcnn')
CPU = osp.join(FOLDER, 'attr-mask-rcnn_r18_fpn_synthfashion.py')
# 60 images x 6 epochs (90 iterations of 4) at the images' own 64 px (the
# config resizes to 128): segm AP50 0.000 -> 0.428, bbox AP50 0.002 -> 0.367,
# attribute F1 0.011 -> 0.610 on 24 test images (2026-12-03), against
# margins of 0.05. (At 128 px and 8 epochs: 0.583 / 0.587 / 0.679; at 64 px
# and 4 epochs segm AP50 only reached 0.109.)
EPOCHS = 6
NTRAIN = 60
SIZE = 64


def build(name):
    cfg = Config.fromfile(osp.join(FOLDER, name))
    with DefaultScope.overwrite_default_scope('mmdet'):
        return cfg, MODELS.build(cfg.model)


def test_r50_1x_builds():
    cfg, model = build('attr-mask-rcnn_r50_fpn_1x_fashionpedia.py')
    head = cfg.model.roi_head
    assert head.bbox_head.num_classes == 46
    assert head.attr_head.num_attributes == 294
    assert head.attr_head.loss.type == 'FocalLoss'
    assert cfg.val_evaluator.attr_thr == 0.5
    assert 'score_thr' not in cfg.val_evaluator  # AP on every detection
    assert cfg.train_cfg.max_epochs == 12
    # the categories with attributes: the dataset's, as the metric's
    assert head.attr_categories is None
    assert cfg.custom_hooks == [dict(type='AttrCategoriesHook')]
    assert model.roi_head.attr_head.fcs[-1].out_features == 294


def test_seed_fine_tune_builds():
    """The seed's final training (section 5.2.4): COCO weights required,
    SGD + Nesterov at 0.00025 for 2 epochs, class score 0.3, attribute
    score 0.4, the per-category branch on the box head's 1024-d FCs."""
    cfg, model = build(
        'attr-mask-rcnn_r50_fpn_percat_coco-ft-2e_fashionpedia.py')
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.nesterov) == ('SGD', 0.00025, True)
    assert cfg.train_cfg.max_epochs == 2
    assert cfg.load_from is None and [h.type for h in cfg.custom_hooks] \
        == ['RequireLoadFromHook', 'AttrCategoriesHook']
    assert cfg.model.test_cfg.rcnn.score_thr == 0.3
    assert cfg.test_evaluator.attr_thr == 0.4
    head = model.roi_head
    assert head.attr_from == 'box_fcs'
    assert head.attr_head.fcs[1].in_features == 1024
    assert head.attr_head.fcs[-1].out_features == 46 * 294


def run(args, monkeypatch):
    """``python ARGS`` (a repository tool and its command line) in this
    process, with the mmengine instances it made dropped after it."""
    assert run_in_process(args[0], args[1:], monkeypatch, isolate=True) \
        == 0, args


def _test(config, ckpt, work, options, monkeypatch):
    """tools/test.py (the metric scores every detection the model's
    test_cfg keeps); returns the metrics it logged."""
    run(['tools/test.py', config, ckpt, '--work-dir', str(work),
         '--cfg-options', *options, f'test_evaluator.outfile_prefix={work}'],
        monkeypatch)
    with open(sorted(glob.glob(str(work / '*' / '*.json')))[-1]) as f:
        return json.load(f)


def _initial_checkpoint(config, path):
    """The model as training starts it (init_weights), saved for
    tools/test.py."""
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


def test_cpu_variant_trains_tests_and_predicts(tmp_path, monkeypatch):
    from mmfashion_attr.datasets.synthfashion import generate
    data = tmp_path / 'data'
    generate(str(data), num_train=NTRAIN, num_val=8, size=SIZE, seed=0,
             num_test=24, instances=True)
    options = []
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.dataset.data_root={data}',
                    f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False']
    options += [f'val_evaluator.ann_file={data}/instances_val.json',
                f'test_evaluator.ann_file={data}/instances_test.json',
                f'train_cfg.max_epochs={EPOCHS}',
                f'train_cfg.val_interval={EPOCHS}',
                f'param_scheduler.1.milestones=[{EPOCHS - 1}]',
                'default_hooks.logger.interval=10',
                # fewer proposals and RoIs: half the time
                'model.train_cfg.rpn_proposal.max_per_img=64',
                'model.train_cfg.rcnn.sampler.num=32',
                'model.test_cfg.rpn.max_per_img=64']
    # the Resize transforms (train: inside KeepInstanceAttributes) at SIZE
    cfg = Config.fromfile(CPU)
    resizes = ('train_dataloader.dataset.pipeline.3.transforms.0',
               'val_dataloader.dataset.pipeline.1',
               'test_dataloader.dataset.pipeline.1')
    for key in resizes:
        node = cfg
        for part in key.split('.'):
            node = node[int(part)] if part.isdigit() else node[part]
        assert node.type == 'Resize', (key, node)
        options.append(f'{key}.scale=({SIZE},{SIZE})')
    initial = _test(CPU, _initial_checkpoint(CPU, tmp_path / 'init.pth'),
                    tmp_path / 'initial', options, monkeypatch)
    work = tmp_path / 'work'
    run(['tools/train.py', CPU, '--work-dir', str(work), '--cfg-options',
         *options], monkeypatch)
    ckpt = (work / 'last_checkpoint').read_text().strip()
    trained = _test(CPU, ckpt, tmp_path / 'trained', options, monkeypatch)
    for kind in ('segm', 'bbox'):
        for key in ('iou_AP', 'iou_AP_IOU50', 'attr_f1', 'iou_f1_AP',
                    'iou_f1_AP_IOU50_F150', 'iou_AR@100'):
            assert 0 <= trained[f'fashionpedia/{kind}_{key}'] <= 1
    # training moves detection, masks and attributes well above the start
    for key, margin in (('segm_iou_AP_IOU50', 0.05),
                        ('bbox_iou_AP_IOU50', 0.05), ('segm_attr_f1', 0.05),
                        ('segm_iou_f1_AP_IOU50_F150', 0.03)):
        key = f'fashionpedia/{key}'
        assert trained[key] > initial[key] + margin, (key, initial[key],
                                                      trained[key])
    # the results file the metric wrote, scored by the stand-alone tool
    out = tmp_path / 'summary.json'
    run(['tools/analysis_tools/eval_fashionpedia.py',
         str(data / 'instances_test.json'), str(tmp_path / 'trained') +
         '.attr.json', '--attr-categories', 'all', '--out-json', str(out)],
        monkeypatch)
    summary = json.loads(out.read_text())
    for key in ('segm_iou_f1_AP', 'bbox_iou_AP', 'segm_attr_f1'):
        assert summary[key] == pytest.approx(
            trained[f'fashionpedia/{key}'], abs=1e-4)
    # SynthFashion's ids have gaps and are not indices: the results carry
    # the file's ids, mapped back from the model's class and attribute
    # indices
    with open(data / 'instances_test.json') as f:
        gt = json.load(f)
    cat_ids = {c['id'] for c in gt['categories']}
    attr_ids = {a['id'] for a in gt['attributes']}
    assert cat_ids != set(range(len(cat_ids)))
    with open(str(tmp_path / 'trained') + '.attr.json') as f:
        dets = json.load(f)
    assert {d['category_id'] for d in dets} <= cat_ids
    assert set().union(*(d['attribute_ids'] for d in dets)) <= attr_ids
    assert any(d['attribute_ids'] for d in dets)
    # the detection demo: names, masks, and a drawn image per input
    images = sorted(glob.glob(str(data / 'images' / 'test' / '*.jpg')))[:2]
    listing = tmp_path / 'images.txt'
    listing.write_text('\n'.join(images))
    run(['demo/det_demo.py', str(listing), CPU, ckpt, '--out',
         str(tmp_path / 'det.json'), '--show-dir', str(tmp_path / 'show'),
         '--score-thr', '0.0'], monkeypatch)
    dets = json.loads((tmp_path / 'det.json').read_text())
    assert dets and {'segmentation', 'bbox', 'category', 'attributes',
                     'attribute_scores'} <= set(dets[0])
    assert len(glob.glob(str(tmp_path / 'show' / '*.jpg'))) == 2
