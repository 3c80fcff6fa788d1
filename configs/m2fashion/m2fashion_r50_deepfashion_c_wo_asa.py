# M2Fashion w/o ASA (Table 1): global max pooling instead of the
# attribute-aware spatial attention.
_base_ = './m2fashion_r50_deepfashion_c.py'

model = dict(spatial_attention=False)
