# Approach 4 with 32 channels per FPN level (fused 5 x 32 = 160, narrower
# than approach 3's 240): an investigation config -- is approach 4's edge
# on small-ROI attributes its width or its FPN?
_base_ = './synthfashion_atto_retinafpn_cbam.py'
model = dict(neck=dict(fpn=dict(out_channels=32)), head=dict(in_channels=160))
