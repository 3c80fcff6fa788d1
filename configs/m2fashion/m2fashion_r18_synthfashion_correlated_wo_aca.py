# Correlated SynthFashion, without ACA (V_s used directly).
_base_ = './m2fashion_r18_synthfashion_correlated.py'

model = dict(channel_attention=False)
