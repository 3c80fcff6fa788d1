# The CPU variant with the seed's per-category attribute branch: on the box
# head's shared 256-d FC features, FC 256 + ReLU, then 6 x 36 logits (the
# class's slice per garment). Same data, schedule and seed as
# attr-mask-rcnn_r18_fpn_synthfashion.py.
_base_ = './attr-mask-rcnn_r18_fpn_synthfashion.py'

model = dict(roi_head=dict(
    attr_from='box_fcs',
    attr_head=dict(in_channels=256, roi_feat_size=1, fc_channels=(256, ),
                   num_classes={{_base_.num_classes}})))
