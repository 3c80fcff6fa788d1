"""The five ablation configs of Parekh & Shaik 2023 (section 5.2)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from tests.helpers.tiny_config import ROOT

CONFIGS = {  # config -> fused dimension (paper 4.1.2, 4.1.3, 5.2.5)
    'effv2m_cbam_baseline.py': 1280,
    'effv2m_ms_cbam.py': 768,
    'effv2m_fpn.py': 768,
    'effv2m_fpn_cbam.py': 768,
    'effv2m_retinafpn_cbam.py': 1280,
}


def build_model(name, schema_file):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', name))
    cfg.model.head.schema_file = schema_file
    cfg.model.data_preprocessor = cfg.data_preprocessor
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def image_380():
    torch.manual_seed(0)
    return torch.randn(1, 3, 380, 380)


def test_backbone_taps_at_380(schema_file, image_380):
    model = build_model('effv2m_fpn_cbam.py', schema_file).eval()
    with torch.no_grad():
        taps = model.extract_feat(image_380, stage='backbone')
    assert [tuple(t.shape[1:]) for t in taps] == [(80, 48, 48),
                                                  (176, 24, 24),
                                                  (512, 12, 12)]


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_fused_dimension_at_380(name, schema_file, image_380):
    model = build_model(name, schema_file).eval()
    with torch.no_grad():
        fused = model.extract_feat(image_380, stage='neck')
    assert len(fused) == 1 and fused[0].shape == (1, CONFIGS[name])
    if name == 'effv2m_cbam_baseline.py':
        taps = model.extract_feat(image_380, stage='backbone')
        assert [tuple(t.shape[1:]) for t in taps] == [(1280, 12, 12)]


def samples(n, num_classes, num_tasks):
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        s = DataSample()
        s.set_field((rng.random(num_classes) < 0.2).astype(np.uint8),
                    'gt_attr')
        s.set_field(rng.random(num_tasks) < 0.7, 'gt_attr_mask')
        out.append(s)
    return out


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_one_train_step_on_tiny_input(name, schema_file):
    """Builds through the registries and takes one optimizer step (64 px)."""
    model = build_model(name, schema_file).train()
    head = model.head
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = dict(inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)
                        for _ in range(2)],
                data_samples=samples(2, head.num_classes, len(head.tasks)))
    data = model.data_preprocessor(data, training=True)
    before = [p.detach().clone() for p in head.branches[0].parameters()]
    losses = model(**data, mode='loss')
    loss = sum(losses.values())
    assert torch.isfinite(loss)
    opt.zero_grad()
    loss.backward()
    # every parameter takes part (DDP without find_unused_parameters)
    assert [n for n, p in model.named_parameters() if p.grad is None] == []
    opt.step()
    assert any(not torch.equal(a, b) for a, b in
               zip(before, head.branches[0].parameters()))


def test_pretrained_init_goes_through_mmpretrain_checkpoint_path(
        schema_file, tmp_path):
    """init_cfg Pretrained loads backbone weights from a checkpoint file."""
    src = build_model('effv2m_fpn_cbam.py', schema_file)
    torch.nn.init.constant_(src.backbone.layers[0].conv.weight, 0.125)
    ckpt = str(tmp_path / 'effv2m.pth')
    torch.save(dict(state_dict=src.state_dict(),
                    meta=dict(note=np.array([1]))), ckpt)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'effv2m_fpn_cbam.py'))
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('https://')
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    cfg.model.head.schema_file = schema_file
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert torch.all(model.backbone.layers[0].conv.weight == 0.125)
