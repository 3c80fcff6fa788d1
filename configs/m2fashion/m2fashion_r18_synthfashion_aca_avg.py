# The CPU variant with global average pooling in ACA (the paper's Table 2).
_base_ = './m2fashion_r18_synthfashion.py'

model = dict(aca_pooling='avg')
