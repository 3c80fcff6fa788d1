# Progressive fashion attribute extraction at CPU scale: mmpretrain's
# ResNet-34 (from scratch: nothing can be downloaded) -> global average
# pooling -> one branch per attribute (MultiTaskMaskedHead), SynthFashion at
# 96 px. Every approach of the comparison inherits this file through an
# article group's _article.py; this default schedule is the one of the
# per-attribute and multi-label models (8 epochs, lr x0.1 for the last 2).
_base_ = ['../../_base_/datasets/catalog_380.py',
          '../../_base_/default_runtime.py']

data_root = 'data/synthfashion_progressive/'
image_size = 96

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=34, out_indices=(3, ),
                  init_cfg=[dict(type='Kaiming', layer='Conv2d'),
                            dict(type='Constant', val=1,
                                 layer=['_BatchNorm', 'GroupNorm'])]),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='MultiTaskMaskedHead', in_channels=512,
              schema_file=data_root + 'schema.json', hidden_dims=(256, ),
              value_masks=False))  # as the per-attribute models: no category task there
data_preprocessor = dict(mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)

pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
train_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    pack,
]
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
loader = dict(num_workers=2, persistent_workers=True)
train_dataloader = dict(
    **loader, batch_size=32,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    **loader, batch_size=64,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    **loader, batch_size=64,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[6],
                       gamma=0.1)
train_cfg = dict(type='ExactResumeEpochBasedTrainLoop', max_epochs=8,
                 val_interval=8)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
custom_hooks = [dict(type='ChannelsLastHook', enabled=True)]
