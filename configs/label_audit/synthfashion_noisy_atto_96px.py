# The label-audit benchmark's longer run: synthfashion_noisy_atto.py at
# 96 px for 12 epochs (its own data folder: the benchmark generates
# SynthFashion at --size 96 there), so that a model fits its training
# labels, as the naive in-sample method assumes models do.
_base_ = './synthfashion_noisy_atto.py'

data_root = 'data/synthfashion_noisy96/'
image_size = 96
pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
train_pipeline = test_pipeline[:3] + [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'), pack]
model = dict(head=dict(schema_file=data_root + 'schema.json'))
train_dataloader = dict(dataset=dict(data_root=data_root,
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root,
                                   pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(data_root=data_root,
                                    pipeline=test_pipeline))
param_scheduler = dict(T_max=12)
train_cfg = dict(max_epochs=12, val_interval=12)
