# M2Fashion (Wan et al., MMM 2022) on DeepFashion-C, the paper's setup
# (section 4.1): ImageNet ResNet-50 -> 1x1 conv to 512 -> attribute-aware
# spatial and channel attention -> FC -> category (softmax) and attribute
# (sigmoid) branches; label-mask training; triplet loss (gamma 0.5);
# 224 x 224 inputs cropped to the garment box; SGD lr 1e-5 x0.95 per epoch,
# 20 epochs. Batch: 32 on one GPU (the paper does not give it).
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/deepfashion_c/'  # holds Anno/, Eval/, Img/
num_classes = 50  # list_category_cloth.txt (46 of them have images)
num_attributes = 1000
image_size = 224

model = dict(
    type='M2FashionClassifier',
    backbone=dict(
        type='ResNet', depth=50, out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth',
            prefix='backbone')),
    in_channels=2048,
    channels=512,
    num_attributes=num_attributes,
    # the standard cosine, not eq 13's a.b / (|a| + |b|): see the loss
    triplet_loss=dict(type='AttributeTripletLoss', margin=0.2,
                      similarity='cosine', loss_weight=0.5),
    head=dict(type='M2FashionHead', in_channels=512, num_classes=num_classes,
              num_attributes=num_attributes, attribute_loss_weight=1.0))
data_preprocessor = dict(mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)

pack = dict(type='PackInputs',
            algorithm_keys=('attr_states', 'known_states', 'attr_loss_mask'))
train_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),  # crops to bbox
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='MaskAttributeStates', min_fraction=0.25, max_fraction=1.0),
    pack,
]
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='Resize', scale=(image_size, image_size)),
    # every state unknown (known_types=[...] gives some, as a seller would)
    dict(type='MaskAttributeStates', test_mode=True),
    pack,
]
dataset = dict(type='DeepFashionCDataset', data_root=data_root,
               bbox_margin=0.0)
train_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, split='val', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, split='test', pipeline=test_pipeline))
val_evaluator = [
    dict(type='Accuracy', topk=(1, 3, 5)),  # category, mmpretrain's
    dict(type='AttributeTopKRecall', topk=(3, 5)),
]
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(type='SGD', lr=1e-5, momentum=0.9))
param_scheduler = dict(type='ExponentialLR', gamma=0.95, by_epoch=True)
train_cfg = dict(type='ExactResumeEpochBasedTrainLoop', max_epochs=20,
                 val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    checkpoint=dict(save_best='attr/recall@3', rule='greater'))
