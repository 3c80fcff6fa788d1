# Approach 3 (paper 5.2.4) on ImageNet-pretrained features: the Lite0 demo
# model (taps 2/3/4 -> 40, 112, 320 channels at strides 8/16/32, 224 px)
# with the backbone frozen (weights and BN statistics), so only the neck
# and the branches train; FrozenFeatureCache computes each image's taps
# once for all approaches that share them. SynthFashion at 224 px with
# details at real garments' proportions (--detail-scale photo). The other
# four configs apply the deltas of configs/effv2m_*.py to this one.
_base_ = '../demo/synthfashion_lite0_fpn_cbam.py'

data_root = 'data/synthfashion_photo224/'
lite0 = dict(type='EfficientNetLite', model_name='tf_efficientnet_lite0',
             out_indices=(2, 3, 4), pretrained='effnet-lite0',
             frozen_stages=7, norm_eval=True)  # Lite0 has 7 stages
model = dict(
    backbone=dict(_delete_=True, type='FrozenFeatureCache', backbone=lite0,
                  cache_dir='work_dirs/feature_cache', keep_in_memory=False),
    head=dict(schema_file=data_root + 'schema.json'))
optim_wrapper = dict(paramwise_cfg=None)  # nothing in the backbone trains
# No random flip: with a frozen backbone each flipped view costs another
# backbone pass on 2 CPU cores; the five approaches see the same inputs.
train_dataloader = dict(
    dataset=dict(data_root=data_root,
                 pipeline={{_base_.test_pipeline}}))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
# the from-scratch ablation's schedule (configs/ablation_synthfashion)
param_scheduler = dict(T_max=8)
train_cfg = dict(max_epochs=8, val_interval=8)
