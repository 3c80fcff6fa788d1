# The seed's best attribute branch (Gupta et al., CS231n 2020, figure 5:
# "two linear layers with ReLU, 294*46 output neurons"): on the box head's
# shared 1024-d FC features, FC 1024 + ReLU, then 46 x 294 logits; a
# detection's attributes are its class's slice, trained on the positive
# RoIs with their ground truth's class. Otherwise the 1x config.
_base_ = './attr-mask-rcnn_r50_fpn_1x_fashionpedia.py'

model = dict(roi_head=dict(
    attr_from='box_fcs',
    attr_head=dict(in_channels=1024, roi_feat_size=1, fc_channels=(1024, ),
                   num_classes={{_base_.num_classes}})))
