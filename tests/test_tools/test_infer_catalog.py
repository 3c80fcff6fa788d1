"""tools/infer_catalog.py: rows and scores as the inferencer's, unreadable
images reported, resumable, 2 processes = 1 process."""
import glob
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from tests.helpers.tiny_config import write_tiny_config
from tests.test_tools.test_distributed_cpu import launch
from tests.helpers.run_tool import run


@pytest.fixture(scope='module')
def setup(synth_root, tmp_path_factory):
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    import mmfashion_attr  # noqa: F401
    tmp = tmp_path_factory.mktemp('infer')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    torch.manual_seed(0)
    model = get_model(Config.fromfile(config))
    model.init_weights()
    ckpt = str(tmp / 'weights.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    images = tmp / 'images'
    shutil.copytree(osp.join(synth_root, 'images', 'test'), images)
    (images / 'broken.jpg').write_bytes(
        (images / '000000.jpg').read_bytes()[:300])
    return config, ckpt, str(images)


def rows(out):
    from mmfashion_attr.apis.catalog_inference import read_done
    done = read_done(out)
    lines = []
    for name in sorted(f for f in os.listdir(out)
                       if f.endswith('.jsonl')):
        with open(osp.join(out, name)) as f:
            lines += [json.loads(x) for x in f if x.endswith('\n')]
    assert len(lines) == len(done)  # every image in exactly one line
    return done


def infer(config, ckpt, images, out, *extra):
    return run(['tools/infer_catalog.py', config, ckpt, '--images', images,
                '--out', out, '--batch-size', '2', '--workers', '1',
                *extra])


def test_rows_match_the_inferencer_and_errors_are_reported(setup, tmp_path):
    from mmfashion_attr.apis import AttributeInferencer
    config, ckpt, images = setup
    out = str(tmp_path / 'out')
    infer(config, ckpt, images, out)
    done = rows(out)
    assert len(done) == 8
    assert 'ImageDecodeError' in done[osp.join(images, 'broken.jpg')]['error']
    with open(osp.join(out, 'report.json')) as f:
        report = json.load(f)
    assert (report['predicted'], report['unreadable']) == (7, 1)
    ref = AttributeInferencer(config, ckpt)(
        [osp.join(images, f'{i:06d}.jpg') for i in range(7)])
    for r in ref:
        got = done[r['img_path']]
        assert got['attributes'] == r['attributes']
        for task, scores in r['scores'].items():
            np.testing.assert_allclose(list(got['scores'][task].values()),
                                       list(scores.values()), atol=2e-4)


def test_killed_run_rerun_writes_every_image_once(setup, tmp_path):
    config, ckpt, images = setup
    out = str(tmp_path / 'out')
    infer(config, ckpt, images, out, '--max-batches', '2')  # 4 images
    part = osp.join(out, 'part-0001-0.jsonl')
    with open(part) as f:
        first = f.read().splitlines(True)
    assert len(first) == 4
    with open(part, 'w') as f:  # killed while writing the 4th line
        f.write(''.join(first[:3]) + first[3][:25])
    infer(config, ckpt, images, out)
    done = rows(out)
    assert len(done) == 8
    with open(osp.join(out, 'report.json')) as f:
        report = json.load(f)
    assert report['skipped_done'] == 3 and report['run'] == '0002'
    assert json.loads(first[3])['image'] in done


def test_two_processes_write_the_rows_of_one(setup, tmp_path):
    config, ckpt, images = setup
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    infer(config, ckpt, images, one)
    launch('dist_infer.sh', [config, ckpt, '2', '--images', images, '--out',
                             two, '--batch-size', '2', '--workers', '1'])
    a, b = rows(one), rows(two)
    assert a.keys() == b.keys()
    assert len(glob.glob(osp.join(two, 'part-0001-*.jsonl'))) == 2
    for image, row in a.items():
        assert row.get('attributes') == b[image].get('attributes')
        for task, scores in row.get('scores', {}).items():
            np.testing.assert_allclose(list(scores.values()), list(
                b[image]['scores'][task].values()), atol=2e-4)


def test_inferencer_decodes_in_workers_with_the_same_results(setup):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.datasets.transforms.loading import ImageDecodeError
    config, ckpt, images = setup
    inferencer = AttributeInferencer(config, ckpt)
    paths = [osp.join(images, f'{i:06d}.jpg') for i in range(7)]
    in_process = inferencer(paths, batch_size=3, num_workers=0)
    in_workers = inferencer(paths, batch_size=3, num_workers=2)
    assert in_process == in_workers
    with pytest.raises(ImageDecodeError, match='broken.jpg'):
        inferencer(paths + [osp.join(images, 'broken.jpg')], batch_size=3,
                   num_workers=2)
