# Approach 4 (paper 5.2.5): RetinaNet's FPN as the paper's (256 channels, 5
# levels, extra convs on the input) with CBAM per level: 5 x 256 = 1280-d.
_base_ = './synthfashion_lite0_fpn_cbam.py'
model = dict(
    neck=dict(
        fpn=dict(
            _delete_=True,
            type='mmdet.FPN',
            out_channels=256,
            num_outs=5,
            add_extra_convs='on_input')),
    head=dict(in_channels=1280))
