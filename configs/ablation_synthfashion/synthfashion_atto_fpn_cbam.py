# Approach 3 (paper 5.2.4) at CPU scale: the demo model (EfficientNetV2
# 'atto', taps 3/5/6, channel-preserving FPN, CBAM per scale), 128 px
# SynthFashion. The other four configs apply the deltas of
# configs/effv2m_*.py to this one.
_base_ = '../demo/synthfashion_effv2atto_fpn_cbam.py'
