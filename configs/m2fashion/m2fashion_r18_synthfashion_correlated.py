# The CPU variant on SynthFashion with attributes that depend on each other
# (make_synthfashion.py --correlated --deepfashion-c; the dependencies are
# in docs/datasets.md), where given attributes can tell hidden ones.
_base_ = './m2fashion_r18_synthfashion.py'

data_root = 'data/synthfashion_deepfashion_c_correlated/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
