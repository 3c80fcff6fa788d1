# Attribute Mask R-CNN (Gupta et al., CS231n 2020) on mmdet's 1x schedule:
# Mask R-CNN R-50-FPN (ImageNet backbone, 1x schedule) with an attribute
# branch (FC 1024 + ReLU, one sigmoid per attribute, focal loss, garments
# without attributes left out of it) on Fashionpedia / iMaterialist-2020:
# 46 classes, 294 attributes, 1333x800 input, attribute threshold 0.5;
# detections as mmdet's test_cfg returns them (class score >= 0.05, 100
# per image), all of which the metric scores. Data: data/fashionpedia/ as
# distributed (train/, test/, instances_attributes_{train,val}2020.json),
# or iMaterialist-2020 converted by
# tools/dataset_converters/imaterialist2020_to_coco.py.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'
# mmengine's Runner, but num_workers=0 (e.g. from --cfg-options) turns
# mmdet's persistent_workers off instead of failing in PyTorch
runner_type = 'mmpretrain.WorkersAwareRunner'
custom_imports = dict(imports=['mmfashion_attr'], allow_failed_imports=False)

num_classes, num_attributes = 46, 294
model = dict(roi_head=dict(
    type='AttributeRoIHead',
    bbox_head=dict(num_classes=num_classes),
    mask_head=dict(num_classes=num_classes),
    attr_head=dict(type='RoIAttributeHead', num_attributes=num_attributes,
                   in_channels=256, fc_channels=(1024, ),
                   loss=dict(type='FocalLoss', use_sigmoid=True),
                   skip_unlabelled=True),
    # the categories with attributes (the others, garment parts and
    # accessories on Fashionpedia, get none): the dataset's
    # attr_categories ('fashionpedia', its evaluation code's 18, by
    # default), the set the metric judges, which AttrCategoriesHook gives
    # the head and the checkpoint's dataset_meta carries to the inferencer
    attr_categories=None))
custom_hooks = [dict(type='AttrCategoriesHook')]
# mmdet's epoch loop with exact --resume (mmfashion_attr/engine/
# exact_resume_loop.py): a resumed run ends where an uninterrupted one does
train_cfg = dict(type='mmpretrain.ExactResumeEpochBasedTrainLoop')

data_root = 'data/fashionpedia/'
dataset_type = 'FashionpediaInstanceDataset'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='LoadInstanceAttributes'),
    dict(type='KeepInstanceAttributes', transforms=[
        dict(type='Resize', scale=(1333, 800), keep_ratio=True),
        dict(type='RandomFlip', prob=0.5)]),
    dict(type='PackDetInputsWithAttributes'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                          'img_shape', 'scale_factor')),
]
train_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, metainfo=None,
    ann_file='instances_attributes_train2020.json',
    data_prefix=dict(img='train/'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, metainfo=None,
    ann_file='instances_attributes_val2020.json',
    data_prefix=dict(img='test/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='FashionpediaMetric',
                     ann_file=data_root + 'instances_attributes_val2020.json',
                     attr_thr=0.5)
test_evaluator = val_evaluator
# tools/test.py --show-dir, DetInferencer: each garment's top attributes too
visualizer = dict(type='AttributeDetLocalVisualizer', attr_thr=0.5)
