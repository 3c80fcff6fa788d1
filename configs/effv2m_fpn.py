# Approach 2 (paper 5.2.3): three taps + channel-preserving FPN, no attention
# -> 768-d.
_base_ = './effv2m_fpn_cbam.py'
model = dict(neck=dict(attention=None))
