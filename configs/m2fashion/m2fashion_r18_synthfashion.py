# M2Fashion at CPU scale: SynthFashion exported to DeepFashion-C's layout
# (make_synthfashion.py --deepfashion-c: 6 categories typed upper / lower /
# full body, 36 attribute values as attributes of types 1-5, states
# 1 / -1 / 0), 96 px garment crops, ResNet-18 from scratch (nothing can be
# downloaded), channels 128; Adam 1e-3 instead of SGD 1e-5 (a from-scratch
# model does not move at 1e-5 in minutes), x0.95 per epoch, 12 epochs.
_base_ = './m2fashion_r50_deepfashion_c.py'

data_root = 'data/synthfashion_deepfashion_c/'
image_size = 96

model = dict(
    backbone=dict(depth=18,
                  init_cfg=[dict(type='Kaiming', layer='Conv2d'),
                            dict(type='Constant', val=1,
                                 layer=['_BatchNorm', 'GroupNorm'])]),
    in_channels=512, channels=128, num_attributes=36,
    head=dict(in_channels=128, num_classes=6, num_attributes=36))

pack = dict(type='PackInputs',
            algorithm_keys=('attr_states', 'known_states', 'attr_loss_mask'))
train_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MaskAttributeStates', min_fraction=0.25, max_fraction=1.0),
    pack,
]
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='MaskAttributeStates', test_mode=True),
    pack,
]
loader = dict(num_workers=2, persistent_workers=True)
train_dataloader = dict(
    **loader, batch_size=32,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    **loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    **loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, _delete_=True))
train_cfg = dict(max_epochs=12, val_interval=12)
default_hooks = dict(logger=dict(interval=20))
randomness = dict(seed=0)
custom_hooks = [dict(type='ChannelsLastHook', enabled=True)]
