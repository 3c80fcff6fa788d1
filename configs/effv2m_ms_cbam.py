# Approach 1 (paper 5.2.2): three taps, a separate CBAM each, no FPN -> 768-d.
# The paper's heading says "without attention", its text "along with separate
# attention module for each layer": we follow the text.
_base_ = './effv2m_fpn_cbam.py'
model = dict(neck=dict(fpn=None))
