"""torch.compile traces our modules whole: no graph breaks in the
backbone taps, the neck, the head's forward or its masked loss."""
import numpy as np
import pytest
import torch
import torch._dynamo as dynamo
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmfashion_attr  # noqa: F401
from tests.helpers.tiny_config import DEMO


@pytest.fixture(scope='module')
def model(schema_file):
    cfg = Config.fromfile(DEMO)
    cfg.model.head.schema_file = schema_file
    cfg.model.head.hidden_dims = (8, )
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def breaks(fn, *args):
    dynamo.reset()
    result = dynamo.explain(fn)(*args)
    return result.graph_break_count, [str(r.reason) for r in
                                      result.break_reasons]


def test_no_graph_breaks_in_forward_and_loss(model):
    from tools.analysis_tools.graph_breaks import samples_for
    x = torch.randn(2, 3, 64, 64)
    feats = model.backbone(x)
    assert breaks(model.backbone, x)[0] == 0
    assert breaks(model.neck, feats)[0] == 0
    assert breaks(model.head, model.neck(feats))[0] == 0
    samples = samples_for(model.head, 2)
    model.train()
    count, reasons = breaks(lambda t: model(t, samples, mode='loss'), x)
    assert count == 0, reasons
    assert np.isfinite(sum(model(x, samples, mode='loss').values()).item())
