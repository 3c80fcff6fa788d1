# Baseline (paper 4.2): the last feature map only (the 1x1 head conv, 640
# channels), one CBAM, no FPN -- the delta of effv2m_cbam_baseline.py.
_base_ = './synthfashion_atto_fpn_cbam.py'
model = dict(
    backbone=dict(out_indices=(7, )),
    neck=dict(in_channels=[640], fpn=None),
    head=dict(in_channels=640))
