# The demo (tools/demo.sh): synthfashion_effv2b0_fpn_cbam.py with arch 'atto'
# (EfficientNetV2-B0's layout with fewer blocks and channels, see
# EfficientNetV2Taps; taps 3/5/6 -> 32, 80, 128 channels at strides 8/16/32),
# which trains ~3x faster on 2 CPU cores, so 10 epochs of 3000 images fit.
_base_ = './synthfashion_effv2b0_fpn_cbam.py'

model = dict(
    backbone=dict(arch='atto'),
    neck=dict(in_channels=[32, 80, 128]),
    head=dict(in_channels=240))
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10, val_interval=10)

# The same seed gives the same model on any machine and with any worker
# count: each sample's flip is drawn from (seed, epoch, index)
# (SeededSampler + SeededRandomness), each iteration's dropout from (seed,
# iteration) (IterationSeedHook), and the run uses 2 intra-op threads
# whatever the core count (CPU kernels' sums depend on it).
train_dataloader = dict(
    sampler=dict(type='SeededSampler', shuffle=True),
    dataset=dict(pipeline=[
        dict(type='SeededRandomness', transforms={{_base_.train_pipeline}})
    ]))
custom_hooks = [
    dict(type='ChannelsLastHook', enabled=True),
    dict(type='IterationSeedHook'),
    dict(type='IntraOpThreadsHook', threads=2),
]
