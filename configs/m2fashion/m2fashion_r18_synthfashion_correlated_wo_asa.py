# Correlated SynthFashion, without ASA (global max pooling instead).
_base_ = './m2fashion_r18_synthfashion_correlated.py'

model = dict(spatial_attention=False)
