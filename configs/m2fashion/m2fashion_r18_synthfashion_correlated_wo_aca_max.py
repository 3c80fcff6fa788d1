# Correlated SynthFashion, no ACA gate but global max pooling of the
# attended map: the 2x2's missing cell (gate on / off x max / avg pooling),
# so that the gate is compared with the pooling held equal. Not in the
# paper, whose "w/o ACA" drops the gate and the max pooling together.
_base_ = './m2fashion_r18_synthfashion_correlated.py'

model = dict(channel_attention=False, pooling_without_aca='max')
