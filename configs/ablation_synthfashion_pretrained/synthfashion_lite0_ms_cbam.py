# Approach 1 (paper 5.2.2): multi-scale taps with CBAM per scale, no FPN.
_base_ = './synthfashion_lite0_fpn_cbam.py'
model = dict(neck=dict(fpn=None))
