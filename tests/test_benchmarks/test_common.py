"""benchmarks/common.py: the image size a config's pipeline gives."""
import os.path as osp

import pytest
from mmengine.config import Config

from tests.helpers.tiny_config import ROOT

DEMO = osp.join(ROOT, 'configs', 'demo', 'synthfashion_effv2atto_fpn_cbam.py')


@pytest.fixture
def pipeline_size(monkeypatch):
    """benchmarks/ on sys.path for this test only (as test_serve_load)."""
    monkeypatch.syspath_prepend(osp.join(ROOT, 'benchmarks'))
    from common import pipeline_size
    return pipeline_size


def test_size_found_inside_a_wrapper_transform(pipeline_size):
    """The demo config's training pipeline sits in SeededRandomness:
    train_throughput.py used to stop there, asking for --size."""
    cfg = Config.fromfile(DEMO)
    assert pipeline_size(cfg.train_dataloader.dataset.pipeline) == 128
    assert pipeline_size(cfg.test_dataloader.dataset.pipeline) == 128


def test_no_pad_asks_for_the_size(pipeline_size):
    with pytest.raises(ValueError, match='pass --size'):
        pipeline_size([dict(type='SeededRandomness', transforms=[
            dict(type='ResizeEdge', scale=64)])])
