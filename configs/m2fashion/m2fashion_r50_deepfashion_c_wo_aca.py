# M2Fashion w/o ACA (Table 1): the spatially attended V_s is used directly.
_base_ = './m2fashion_r50_deepfashion_c.py'

model = dict(channel_attention=False)
