"""tools/train.py -> crash -> --resume -> tools/test.py, as a user runs them."""
import os.path as osp
import pickle

import pytest

from tests.helpers.run_tool import run
from tests.helpers.tiny_config import ROOT, write_tiny_config


@pytest.fixture(scope='module')
def trained(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('train')
    config = write_tiny_config(tmp / 'tiny.py', synth_root, epochs=3)
    work = str(tmp / 'work')
    crash = tmp / 'crash.py'  # the same run, killed in epoch 2 (iter 5)
    crash.write_text(
        f'_base_ = {config!r}\n'
        "custom_imports = dict(imports=['mmfashion_attr', "
        "'tests.helpers.crash_hook'], allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='CrashAfterIterHook', iters=5)]\n")
    # 24 images / batch 8 = 3 iters per epoch
    crashed = run(['tools/train.py', str(crash), '--work-dir', work],
                  check=False)
    assert crashed.returncode == 17, crashed.stderr[-3000:]
    assert osp.exists(osp.join(work, 'epoch_1.pth'))
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
    resumed = run(['tools/train.py', config, '--work-dir', work, '--resume'])
    return config, work, resumed


def test_resume_continues_from_last_checkpoint(trained):
    _, work, resumed = trained
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 1, iter: 3' in log
    assert 'Epoch(train) [1]' not in log  # epoch 1 is not trained again
    assert 'Epoch(train) [3]' in log
    assert osp.exists(osp.join(work, 'epoch_3.pth'))
    assert 'attr/mean_f1_micro' in log  # validation ran with AttributeF1


def test_test_tool_loads_checkpoint_and_dumps_predictions(trained, tmp_path):
    config, work, _ = trained
    out = str(tmp_path / 'preds.pkl')
    proc = run(['tools/test.py', config, osp.join(work, 'epoch_3.pth'),
                '--work-dir', str(tmp_path), '--out', out])
    assert 'attr/category/f1_micro' in proc.stdout + proc.stderr
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 7  # every test image
    assert preds[0]['pred_score'].shape == (42, )
    assert all('/test/' in p['img_path'] for p in preds)  # held-out split


def test_inferencer_agrees_with_test_tool(trained, tmp_path, synth_root):
    import numpy as np

    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.datasets.schema import task_slices
    from mmfashion_attr.evaluation.thresholds import binarize
    config, work, _ = trained
    ckpt = osp.join(work, 'epoch_3.pth')
    out = str(tmp_path / 'preds.pkl')
    run(['tools/test.py', config, ckpt, '--work-dir', str(tmp_path), '--out',
         out])
    with open(out, 'rb') as f:
        by_path = {p['img_path']: p for p in pickle.load(f)}
    inferencer = AttributeInferencer(config, ckpt)
    folder = osp.join(synth_root, 'images', 'test')
    results = inferencer(folder, batch_size=3)
    assert len(results) == len(by_path) == 7
    tasks = inferencer.tasks
    for result in results:
        ref = by_path[result['img_path']]['pred_score'].numpy()
        for task, sl in zip(tasks, task_slices(tasks)):
            expected = binarize(ref[None, sl], task['multi_label'], 0.5)[0]
            got = {v['value'] for v in result['attributes'][task['name']]}
            assert got == {c for c, e in zip(task['classes'], expected) if e}
            np.testing.assert_allclose(
                [result['scores'][task['name']][c] for c in task['classes']],
                ref[sl], atol=1e-4)


def test_flip_tta_averages_image_and_mirror(trained, tmp_path):
    import mmcv
    import numpy as np
    import torch

    from mmfashion_attr.apis import AttributeInferencer
    config, work, _ = trained
    ckpt = osp.join(work, 'epoch_3.pth')
    out = str(tmp_path / 'tta.pkl')
    proc = run(['tools/test.py', config, ckpt, '--work-dir', str(tmp_path),
                '--out', out, '--tta'])
    assert 'attr/mean_f1_micro' in proc.stdout + proc.stderr
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 7
    model = AttributeInferencer(config, ckpt).model
    for pred in preds[:3]:  # images are square at the config's size
        img = mmcv.imread(pred['img_path'])  # BGR, as the pipeline loads it
        views = [torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)
                 for x in (img, img[:, ::-1])]
        with torch.no_grad():
            data = model.data_preprocessor(dict(inputs=views), False)
            plain, mirror = (s.pred_score.numpy()
                             for s in model(**data, mode='predict'))
        tta = pred['pred_score'].numpy()
        np.testing.assert_allclose(tta, (plain + mirror) / 2, atol=1e-6)
        assert np.abs(tta - plain).max() > 1e-5  # the mirror counted
        # labels follow the merged scores, not the first view's
        assert pred['pred_label'].tolist() == model.head.labels_from_scores(
            pred['pred_score']).tolist()


def test_pred_label_uses_the_evaluator_thresholds(trained, tmp_path):
    import numpy as np

    from mmfashion_attr.datasets.schema import task_slices
    config, work, _ = trained
    out = str(tmp_path / 'preds.pkl')
    run(['tools/test.py', config, osp.join(work, 'epoch_3.pth'),
         '--work-dir', str(tmp_path), '--out', out, '--cfg-options',
         'test_evaluator.thresholds=0.2'])
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    from mmengine.config import Config
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(config)
    tasks = DATASETS.build(dict(cfg.test_dataloader.dataset, lazy_init=True,
                                pipeline=[])).metainfo['tasks']
    low = 0
    for pred in preds:
        score, labels = pred['pred_score'].numpy(), set(
            pred['pred_label'].tolist())
        for task, sl in zip(tasks, task_slices(tasks)):
            if task['multi_label']:
                want = set(np.flatnonzero(score[sl] >= 0.2) + sl.start)
                assert want == labels & set(range(sl.start, sl.stop))
                low += bool((score[sl] >= 0.2).sum() > (score[sl] >= 0.5)
                            .sum())
    assert low  # 0.2 and the head's default 0.5 differ on these images


def test_amp_test_on_cpu_gives_float32_scores(trained, tmp_path):
    config, work, _ = trained
    out = str(tmp_path / 'amp.pkl')
    proc = run(['tools/test.py', config, osp.join(work, 'epoch_3.pth'),
                '--work-dir', str(tmp_path), '--amp', '--out', out])
    assert 'attr/mean_f1_micro' in proc.stdout + proc.stderr
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert str(preds[0]['pred_score'].dtype) == 'torch.float32'


def test_cfg_options_apply_before_dataloader_defaults():
    import importlib.util

    from mmengine.config import Config
    spec = importlib.util.spec_from_file_location(
        'mmfa_test_tool', osp.join(ROOT, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = osp.join(ROOT, 'configs', 'effv2m_fpn_cbam.py')
    argv = [config, 'ckpt.pth', '--cfg-options',
            'test_dataloader.num_workers=0']
    import sys as _sys
    saved, _sys.argv = _sys.argv, ['test.py'] + argv
    try:
        args = tool.parse_args()
    finally:
        _sys.argv = saved
    cfg = tool.merge_args(Config.fromfile(config), args)
    assert cfg.test_dataloader.num_workers == 0
    assert cfg.test_dataloader.persistent_workers is False
