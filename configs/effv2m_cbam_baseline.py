# Baseline (paper 4.2 / 5.2.1): final 1280x12x12 map -> CBAM -> GAP -> 1280-d.
_base_ = './effv2m_fpn_cbam.py'
model = dict(
    backbone=dict(out_indices=(8, )),
    neck=dict(in_channels=[1280], fpn=None),
    head=dict(in_channels=1280))
