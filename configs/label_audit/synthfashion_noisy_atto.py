# The label-audit benchmark's model (benchmarks/label_audit.py): the demo
# model (synthfashion_effv2atto_fpn_cbam.py) at 64 px, 6 epochs, on
# SynthFashion with 5 % of the training labels flipped
# (make_synthfashion.py --label-noise 0.05), so that K=3 fold models plus
# the in-sample model on 1200 images train in minutes on 2 idle CPU cores.
_base_ = '../demo/synthfashion_effv2atto_fpn_cbam.py'

data_root = 'data/synthfashion_noisy/'
image_size = 64
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
                                    pipeline=test_pipeline,
                                    ann_file='val.csv'))
param_scheduler = dict(T_max=6)
train_cfg = dict(max_epochs=6, val_interval=6)
