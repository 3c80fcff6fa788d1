# Baseline (paper 4.2): the network's final 1x1 conv only (Lite0's
# conv_head, 1280 channels at stride 32), one CBAM, no FPN -- the delta of
# effv2m_cbam_baseline.py.
_base_ = './synthfashion_lite0_fpn_cbam.py'
model = dict(
    backbone=dict(backbone=dict(out_indices=(4, ), last_conv=True)),
    neck=dict(in_channels=[1280], fpn=None),
    head=dict(in_channels=1280))
