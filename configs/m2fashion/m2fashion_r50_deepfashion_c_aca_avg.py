# M2Fashion with global average pooling in ACA instead of the paper's max
# pooling (Table 2, "GAP").
_base_ = './m2fashion_r50_deepfashion_c.py'

model = dict(aca_pooling='avg')
