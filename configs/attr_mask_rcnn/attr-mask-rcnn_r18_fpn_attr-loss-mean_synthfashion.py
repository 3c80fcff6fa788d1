# The CPU variant with the attribute loss as mmdet's FocalLoss reduces it
# by default (mean over RoIs x attributes), the earlier setting: kept to
# show what summing over the attributes (avg_over='rois', the default)
# changes. Same data, schedule and seed.
_base_ = './attr-mask-rcnn_r18_fpn_synthfashion.py'

model = dict(roi_head=dict(attr_head=dict(avg_over='elements')))
