"""ONNX export: parity with PyTorch, a parity check that fails when it should,
the onnxruntime backend of the inferencer and of catalogue inference, and
tools/deployment/pytorch2onnx.py end to end."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from tests.helpers.tiny_config import write_tiny_config
from tests.helpers.run_tool import run

pytest.importorskip('onnxruntime', reason='the deploy extra is not installed '
                    '(pip install -e .[deploy]; tools/install.sh does it)')
pytest.importorskip('onnx', reason='pip install -e .[deploy]')


@pytest.fixture(scope='module')
def exported(synth_root, tmp_path_factory):
    """A tiny model's checkpoint, its ONNX file (dynamic batch), packed test
    images and the test image paths."""
    from mmengine.config import Config
    from mmpretrain.apis import get_model
    from mmpretrain.registry import DATASETS

    from mmfashion_attr.apis.attribute_inferencer import model_tasks
    from mmfashion_attr.deployment import ScoresModel, export_onnx
    tmp = tmp_path_factory.mktemp('onnx')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = get_model(cfg)  # top-level data_preprocessor merged, as Runner
    model.init_weights()
    ckpt = str(tmp / 'weights.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    images = torch.stack([dataset[i]['inputs'] for i in range(len(dataset))])
    onnx_file = str(tmp / 'model.onnx')
    export_onnx(ScoresModel(model), onnx_file, images.shape[2:],
                model_tasks(model), dynamic_batch=True)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    return dict(config=config, ckpt=ckpt, model=model, onnx=onnx_file,
                images=images, paths=paths)


def test_scores_match_pytorch_on_real_and_random_images(exported):
    from mmfashion_attr.deployment import ScoresModel, max_score_difference
    model = ScoresModel(exported['model'])
    noise = torch.randint(0, 256, exported['images'].shape,
                          dtype=torch.uint8)
    assert max_score_difference(model, exported['onnx'],
                                exported['images']) <= 1e-4
    assert max_score_difference(model, exported['onnx'], noise) <= 1e-4
    # the exported scores are the test_step's pred_score, masks included
    data = dict(inputs=list(exported['images']))
    with torch.no_grad():
        ref = torch.stack([s.pred_score for s in
                           exported['model'].test_step(data)])
    np.testing.assert_allclose(model(exported['images']).detach(), ref,
                               atol=1e-6)
    assert (ref == 0).any()  # value masks zeroed some values


def test_parity_check_catches_a_different_model(exported):
    import copy

    from mmfashion_attr.deployment import ScoresModel, max_score_difference
    other = copy.deepcopy(exported['model'])
    torch.manual_seed(1)
    with torch.no_grad():
        for branch in other.head.branches:
            branch[-1].weight.add_(torch.randn_like(branch[-1].weight))
    assert max_score_difference(ScoresModel(other), exported['onnx'],
                                exported['images']) > 1e-2


def test_metadata_fixed_batch_and_wrong_size(exported, tmp_path):
    from mmfashion_attr.apis.attribute_inferencer import model_tasks
    from mmfashion_attr.deployment import (OnnxRuntimeModel, ScoresModel,
                                           export_onnx)
    runtime = OnnxRuntimeModel(exported['onnx'])
    assert runtime.tasks == json.loads(json.dumps(
        model_tasks(exported['model'])))
    assert runtime.batch_size is None
    fixed = str(tmp_path / 'b2.onnx')
    export_onnx(ScoresModel(exported['model']), fixed,
                exported['images'].shape[2:], runtime.tasks, batch_size=2)
    fixed_runtime = OnnxRuntimeModel(fixed)
    assert fixed_runtime.batch_size == 2
    images = exported['images'][:5].numpy()  # 2 + 2 + a padded 1
    np.testing.assert_allclose(fixed_runtime.scores(images),
                               runtime.scores(images), atol=1e-5)
    with pytest.raises(ValueError, match='exported for'):
        runtime.scores(images[:, :, :32, :32])


def test_onnxruntime_backend_predicts_as_pytorch(exported, tmp_path):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.apis.catalog_inference import infer_catalog, read_done
    paths = exported['paths']
    torch_results = AttributeInferencer(exported['config'],
                                        exported['ckpt'])(paths)
    onnx = AttributeInferencer(exported['config'], exported['onnx'],
                               backend='onnxruntime')
    for ours, ref in zip(onnx(paths, batch_size=3, num_workers=1),
                         torch_results):
        assert ours['attributes'] == ref['attributes']
        for task, scores in ref['scores'].items():
            np.testing.assert_allclose(list(ours['scores'][task].values()),
                                       list(scores.values()), atol=2e-4)
    out = str(tmp_path / 'catalog')
    infer_catalog(onnx, paths, out, batch_size=4, num_workers=0)
    done = read_done(out)
    assert [done[p]['attributes'] for p in paths] == \
        [r['attributes'] for r in torch_results]
    with pytest.raises(ValueError, match="backend 'tensorrt'"):
        AttributeInferencer(exported['config'], exported['onnx'],
                            backend='tensorrt')


def test_pytorch2onnx_tool(exported, tmp_path):
    out = str(tmp_path / 'tool.onnx')
    proc = run(['tools/deployment/pytorch2onnx.py', exported['config'],
                exported['ckpt'], '--out', out, '--dynamic-batch',
                '--num-images', '4'])
    assert 'parity on 4 random images' in proc.stdout
    assert 'parity on 4 real images' in proc.stdout
    assert 'OK: within 1e-04' in proc.stdout and osp.exists(out)
    proc = run(['demo/image_demo.py', osp.dirname(exported['paths'][0]),
                exported['config'], out, '--backend', 'onnxruntime',
                '--out', str(tmp_path / 'r.jsonl'), '--quiet'])
    assert f'wrote {len(exported["paths"])} results' in proc.stdout
