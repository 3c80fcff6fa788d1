# The same model at CPU scale on SynthFashion's garments (make_synthfashion.py
# --instances, 128 px): ResNet-18 from scratch (nothing can be downloaded),
# 64-channel FPN and heads, 6 classes, 36 attributes (one per attribute
# value), AdamW, batch 4, 6 epochs. With at most two garments per image, 200
# proposals and 128 sampled RoIs per image are plenty, and halve the time
# (RoIAlign dominates on CPU). Trains on a 2-core CPU in about 9 minutes.
_base_ = './attr-mask-rcnn_r50_fpn_1x_fashionpedia.py'

data_root = 'data/synthfashion_instances/'
num_classes, num_attributes, width, image_size = 6, 36, 64, 128
model = dict(
    backbone=dict(depth=18, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=width),
        bbox_head=dict(in_channels=width, fc_out_channels=256,
                       num_classes=num_classes),
        mask_roi_extractor=dict(out_channels=width),
        mask_head=dict(num_convs=2, in_channels=width, conv_out_channels=width,
                       num_classes=num_classes),
        attr_head=dict(num_attributes=num_attributes, in_channels=width,
                       fc_channels=(256, )),
        attr_categories=None),  # the dataset's: 'all' below
    train_cfg=dict(rpn_proposal=dict(nms_pre=500, max_per_img=200),
                   rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=200)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='LoadInstanceAttributes'),
    dict(type='KeepInstanceAttributes', transforms=[
        dict(type='Resize', scale=(image_size, image_size), keep_ratio=True),
        dict(type='RandomFlip', prob=0.5)]),
    dict(type='PackDetInputsWithAttributes'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                          'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(data_root=data_root, ann_file='instances_train.json',
                 # every SynthFashion garment has attributes
                 data_prefix=dict(img='images/'), attr_categories='all',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(data_root=data_root, ann_file='instances_val.json',
                 data_prefix=dict(img='images/'), attr_categories='all',
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(data_root=data_root, ann_file='instances_test.json',
                 data_prefix=dict(img='images/'), attr_categories='all',
                 pipeline=test_pipeline))
val_evaluator = dict(ann_file=data_root + 'instances_val.json')
test_evaluator = dict(ann_file=data_root + 'instances_test.json')

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
                     clip_grad=dict(max_norm=10))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', by_epoch=True, milestones=[5], gamma=0.1),
]
default_hooks = dict(logger=dict(interval=25),
                     checkpoint=dict(max_keep_ckpts=1))
auto_scale_lr = dict(enable=False)
randomness = dict(seed=0)
