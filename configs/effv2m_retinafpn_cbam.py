# Approach 4 (paper 5.2.5): mmdet's RetinaNet-style FPN (256 channels, 5
# levels, extra convs on input) + scale-wise CBAM -> 5 x 256 = 1280-d.
_base_ = './effv2m_fpn_cbam.py'
model = dict(
    neck=dict(
        fpn=dict(
            _delete_=True,
            type='mmdet.FPN',
            out_channels=256,
            num_outs=5,
            add_extra_convs='on_input')),
    head=dict(in_channels=1280))
