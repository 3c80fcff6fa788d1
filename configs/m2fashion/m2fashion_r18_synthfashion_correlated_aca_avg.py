# Correlated SynthFashion, global average pooling in ACA (Table 2).
_base_ = './m2fashion_r18_synthfashion_correlated.py'

model = dict(aca_pooling='avg')
