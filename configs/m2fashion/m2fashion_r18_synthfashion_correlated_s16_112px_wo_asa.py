# ..._s16_112px.py without ASA (global max pooling instead): the ASA
# ablation on a 7x7 map.
_base_ = './m2fashion_r18_synthfashion_correlated_s16_112px.py'

model = dict(spatial_attention=False)
