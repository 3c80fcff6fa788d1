# The accurate option: as synthfashion_photo_lite0_fpn_cbam.py on
# ImageNet EfficientNet-Lite2 at 260 px (its ImageNet size; taps 2/3/4 ->
# 48, 120, 352 channels at strides 8/16/32): more compute per image than
# Lite0 (deeper, wider, larger input); not yet measured here.
_base_ = './synthfashion_photo_lite0_fpn_cbam.py'

image_size = 260
model = dict(
    backbone=dict(model_name='tf_efficientnet_lite2', pretrained='effnet-lite2'),
    neck=dict(in_channels=[48, 120, 352]),
    head=dict(in_channels=48 + 120 + 352))
pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
train_pipeline = test_pipeline[:3] + [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'), pack]
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='SeededRandomness', transforms=train_pipeline)]))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
