# The seed's per-category branch as the seed ran it at test time: each
# detection's attribute logits from its proposal's shared box features, in
# the box head's pass that gave its class scores (attr_on='proposals'),
# instead of pooling the regressed boxes again after NMS. Training as
# attr-mask-rcnn_r18_fpn_percat_synthfashion.py.
_base_ = './attr-mask-rcnn_r18_fpn_percat_synthfashion.py'

model = dict(roi_head=dict(attr_on='proposals'))
