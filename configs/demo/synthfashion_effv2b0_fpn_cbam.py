# Approach 3 (effv2m_fpn_cbam.py) scaled down for SynthFashion on a CPU:
# EfficientNetV2-B0 taps 3/5/6 (48, 112, 192 channels at strides 8/16/32),
# 128 px input, from scratch (nothing can be downloaded), lr raised.
# On 2 cores B0 trains at ~23 images/s, too slow for a 15-minute demo:
# tools/demo.sh uses synthfashion_effv2atto_fpn_cbam.py, this config with a
# smaller arch (~64 images/s).
_base_ = '../effv2m_fpn_cbam.py'

data_root = 'data/synthfashion/'
schema_file = data_root + 'schema.json'
image_size = 128

model = dict(
    backbone=dict(
        arch='b0',
        out_indices=(3, 5, 6),
        # from scratch: EfficientNetV2's own default init, not the URL
        init_cfg=[
            dict(type='Kaiming', layer='Conv2d'),
            dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1)
        ]),
    neck=dict(in_channels=[48, 112, 192]),
    head=dict(in_channels=352, schema_file=schema_file, hidden_dims=(256, ),
              value_masks=True))

pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
# SynthFashion already varies garment scale and position, and a from-scratch
# model on 2 CPU cores sees few images: flips only (the paper's affine
# augmentation is in configs/_base_/datasets/catalog_380.py).
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
train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=8,
                       eta_min=1e-5, _delete_=True)
train_cfg = dict(max_epochs=8, val_interval=8)
default_hooks = dict(logger=dict(interval=20))
# seeded, so the README's demo table can be reproduced (up to CPU kernels)
randomness = dict(seed=0)
# channels_last is faster on CPUs too (about +12 % here)
custom_hooks = [dict(type='ChannelsLastHook', enabled=True)]
