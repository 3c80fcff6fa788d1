# Approach 4 (paper 5.2.5): RetinaNet's FPN (5 levels, extra convs on the
# input) with CBAM per level. 128 channels per level instead of the full
# config's 256, about in proportion to Lite0's taps (40 / 112 / 320, about
# 0.6x EfficientNetV2-M's), as the from-scratch ablation scales 256 to 64
# for atto: fused 5 x 128 = 640. At 256 a run took about an hour on the
# shared 2-core CPU.
_base_ = './synthfashion_lite0_fpn_cbam.py'
model = dict(
    neck=dict(
        fpn=dict(
            _delete_=True,
            type='mmdet.FPN',
            out_channels=128,
            num_outs=5,
            add_extra_convs='on_input')),
    head=dict(in_channels=640))
