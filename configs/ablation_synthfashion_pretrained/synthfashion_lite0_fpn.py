# Approach 2 (paper 5.2.3): multi-scale taps and FPN, no attention.
_base_ = './synthfashion_lite0_fpn_cbam.py'
model = dict(neck=dict(attention=None))
