import torch

from mmfashion_attr.models import CBAM


def test_cbam_keeps_shape_and_gates():
    torch.manual_seed(0)
    cbam = CBAM(32, reduce_ratio=8)
    x = torch.randn(2, 32, 9, 7)
    y = cbam(x)
    assert y.shape == x.shape
    # both gates are sigmoids in (0, 1): |y| <= |x| elementwise, and not equal
    assert torch.all(y.abs() <= x.abs() + 1e-6)
    assert not torch.allclose(y, x)


def test_cbam_channel_gate_depends_on_input():
    cbam = CBAM(16, reduce_ratio=4)
    a = cbam.channel_attention(torch.randn(1, 16, 5, 5))
    b = cbam.channel_attention(torch.randn(1, 16, 5, 5) * 3)
    assert a.shape == (1, 16, 1, 1)
    assert not torch.allclose(a, b)


def test_mmcv_plugin_convention():
    """mmcv's build_plugin_layer passes in_channels; the module is named
    'cbam' + postfix."""
    import pytest
    from mmcv.cnn import build_plugin_layer

    import mmfashion_attr  # noqa: F401
    name, layer = build_plugin_layer(dict(type='mmpretrain.CBAM'),
                                     postfix='_1', in_channels=8)
    assert name == 'cbam_1' and isinstance(layer, CBAM)
    assert layer(torch.rand(2, 8, 5, 5)).shape == (2, 8, 5, 5)
    with pytest.raises(ValueError, match='channels=4 but in_channels=8'):
        CBAM(channels=4, in_channels=8)
    with pytest.raises(TypeError, match='needs channels'):
        CBAM()


PLUGINS = [dict(cfg=dict(type='mmpretrain.CBAM', reduce_ratio=4),
                stages=(False, True, True, True), position='after_conv3')]


def test_in_mmdet_resnet():
    from mmdet.registry import MODELS as DET_MODELS
    from mmdet.utils import register_all_modules

    import mmfashion_attr  # noqa: F401
    register_all_modules(init_default_scope=False)
    net = DET_MODELS.build(dict(type='ResNet', depth=50, plugins=PLUGINS,
                                out_indices=(3, )))
    cbams = [m for m in net.modules() if isinstance(m, CBAM)]
    assert len(cbams) == 4 + 6 + 3  # a CBAM per bottleneck of stages 2-4
    assert net(torch.rand(1, 3, 64, 64))[0].shape == (1, 2048, 2, 2)


def test_in_an_mmpretrain_classifier():
    """mmpretrain's own ResNet has no plugins: take mmdet's in the
    classifier's config (mmdet's BasicBlock, ResNet-18/34, has none
    either)."""
    from mmpretrain.registry import MODELS as CLS_MODELS

    import mmfashion_attr  # noqa: F401
    model = CLS_MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='mmdet.ResNet', depth=50, plugins=PLUGINS,
                      out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=2048)))
    assert sum(isinstance(m, CBAM) for m in model.modules()) == 4 + 6 + 3
    assert model(torch.rand(2, 3, 64, 64), mode='tensor').shape == (2, 3)
