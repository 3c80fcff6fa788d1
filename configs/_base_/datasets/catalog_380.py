# In-house catalogue format (docs/datasets.md) at the paper's 380x380.
# Batch 128 in total: 1 GPU x 128 here; for 4 GPUs pass
# `--cfg-options train_dataloader.batch_size=32` (8 GPUs: 16).
dataset_type = 'CatalogAttrDataset'
data_root = 'data/catalog/'
schema_file = data_root + 'schema.json'
image_size = 380

data_preprocessor = dict(
    # EfficientNetV2 ImageNet weights expect inputs in [-1, 1], RGB.
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True,
)
pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
# Aspect-preserving resize + pad, then the paper's augmentations (5.2):
# zoom +/-20%, translate +/-20%, rotate +/-10 deg, shear +/-10% (atan 0.1 =
# 5.71 deg), horizontal flip p=0.5. JPEGs are decoded at reduced scale.
train_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    dict(type='NumpyToPIL', to_rgb=True),
    dict(type='torchvision/RandomAffine', degrees=10, translate=(0.2, 0.2),
         scale=(0.8, 1.2), shear=5.71, fill=255),
    dict(type='torchvision/RandomHorizontalFlip', p=0.5),
    dict(type='PILToNumpy', to_bgr=True),
    pack,
]
test_pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
dataset = dict(type=dataset_type, data_root=data_root,
               schema_file='schema.json', data_prefix='images')
loader = dict(batch_size=128, num_workers=8, persistent_workers=True)
train_dataloader = dict(
    **loader,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**dataset, ann_file='train.csv', pipeline=train_pipeline))
val_dataloader = dict(
    **loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, ann_file='val.csv', pipeline=test_pipeline))
val_evaluator = dict(type='AttributeF1')
# Held out: val picks save_best and calibrates thresholds. A dataset without
# test.csv is tested on val.csv, with a warning that figures are optimistic.
test_dataloader = dict(
    **loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, ann_file='test.csv', fallback_ann_file='val.csv',
                 pipeline=test_pipeline))
test_evaluator = val_evaluator
