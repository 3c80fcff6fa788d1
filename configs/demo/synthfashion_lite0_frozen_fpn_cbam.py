# The demo model on frozen ImageNet features: the Lite0 demo config with
# the backbone's weights and BN statistics fixed, so only the neck and the
# branches train, and FrozenFeatureCache runs the backbone once per image
# (the cache in work_dirs/feature_cache is reused by later runs). No random
# flip: each flipped view would cost another backbone pass. Measured
# against the from-scratch demo in configs/demo/README.md.
_base_ = './synthfashion_lite0_fpn_cbam.py'

model = dict(
    backbone=dict(
        _delete_=True, type='FrozenFeatureCache',
        backbone=dict(type='EfficientNetLite',
                      model_name='tf_efficientnet_lite0',
                      out_indices=(2, 3, 4), pretrained='effnet-lite0',
                      frozen_stages=7, norm_eval=True),  # 7 stages: all
        cache_dir='work_dirs/feature_cache'))
optim_wrapper = dict(paramwise_cfg=None)  # nothing in the backbone trains
train_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
