# Approach 4 (paper 5.2.5): RetinaNet's FPN (5 levels, extra convs on the
# input) with CBAM per level. 64 channels per level instead of the full
# config's 256, in proportion to atto's narrower taps: fused 5 x 64 = 320.
_base_ = './synthfashion_atto_fpn_cbam.py'
model = dict(
    neck=dict(
        fpn=dict(
            _delete_=True,
            type='mmdet.FPN',
            out_channels=64,
            num_outs=5,
            add_extra_convs='on_input')),
    head=dict(in_channels=320))
