import pytest
import torch

import mmfashion_attr  # noqa: F401
from mmpretrain.registry import MODELS


def feats(channels=(8, 16, 32), size=16, n=2):
    return tuple(torch.randn(n, c, size >> i, size >> i)
                 for i, c in enumerate(channels))


@pytest.mark.parametrize('fpn,attention,dim', [
    (None, dict(type='CBAM', reduce_ratio=4), 56),
    (dict(type='ChannelPreservingFPN'), None, 56),
    (dict(type='ChannelPreservingFPN'), dict(type='CBAM', reduce_ratio=4), 56),
    (dict(type='mmdet.FPN', out_channels=12, num_outs=5,
          add_extra_convs='on_input'), dict(type='CBAM', reduce_ratio=4), 60),
])
def test_fused_dimension(fpn, attention, dim):
    neck = MODELS.build(dict(type='ScaleAttnFPN', in_channels=[8, 16, 32],
                             fpn=fpn, attention=attention))
    out = neck(feats())
    assert len(out) == 1 and out[0].shape == (2, dim)
    assert neck.out_channels == dim


def test_channel_preserving_fpn_keeps_widths_and_mixes_scales():
    fpn = MODELS.build(dict(type='ChannelPreservingFPN',
                            in_channels=[8, 16, 32]))
    x = feats()
    out = fpn(x)
    assert [o.shape for o in out] == [t.shape for t in x]
    # top-down path: the finest output depends on the coarsest input
    x2 = (x[0], x[1], x[2] + 1.0)
    assert not torch.allclose(fpn(x2)[0], out[0])
    # ... and the coarsest output does not depend on the finest input
    x3 = (x[0] + 1.0, x[1], x[2])
    assert torch.allclose(fpn(x3)[2], out[2])


def test_wrong_number_of_inputs():
    neck = MODELS.build(dict(type='ScaleAttnFPN', in_channels=[8, 16, 32]))
    with pytest.raises(AssertionError, match='expected 3'):
        neck(feats()[:2])


@pytest.mark.parametrize('attention', [dict(type='CBAM'), None])
def test_a_detector_neck_is_refused_with_what_to_use(attention):
    """In an mmdet detector the pooled vector would reach the RPN head as
    its "feature maps" (a conv2d shape error, or CBAM not in mmdet's
    registry); the neck says what it returns and what to use instead."""
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.registry import DefaultScope
    detector = dict(
        type='RPN', train_cfg=None,
        test_cfg=dict(rpn=dict(nms_pre=10, max_per_img=5, min_bbox_size=0,
                               nms=dict(type='nms', iou_threshold=0.7))),
        data_preprocessor=dict(type='DetDataPreprocessor'),
        backbone=dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3),
                      init_cfg=None),
        neck=dict(type='mmpretrain.ScaleAttnFPN',
                  in_channels=[64, 128, 256, 512], attention=attention),
        rpn_head=dict(
            type='RPNHead', in_channels=960, feat_channels=8,
            anchor_generator=dict(type='AnchorGenerator', scales=[8],
                                  ratios=[1.0], strides=[4, 8, 16, 32]),
            bbox_coder=dict(type='DeltaXYWHBBoxCoder')))
    with DefaultScope.overwrite_default_scope('mmdet'):
        with pytest.raises(TypeError, match=r'one pooled vector \(a tuple '
                           r"with a single \(N, C\) tensor\).*type='FPN'"):
            DET_MODELS.build(detector)
