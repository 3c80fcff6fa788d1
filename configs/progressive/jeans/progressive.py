# Progressive training: one branch added per stage (2 epochs on the images
# that have that attribute labelled, lr 1e-3, base trained, earlier branches
# kept training on their own losses: freeze_earlier=False, see the folder
# README for why), then every branch and the base fine-tuned on all images
# (4 epochs, lr 1e-4). Order: coarse whole-garment attributes first, small
# details last.
_base_ = './_article.py'

stages = [
    dict(tasks=['color'], epochs=2),
    dict(tasks=['pattern'], epochs=2),
    dict(tasks=['length'], epochs=2),
    dict(tasks=['closure'], epochs=2),
    dict(tasks=['distressed'], epochs=2),
    dict(tasks='all', epochs=4, lr=1e-4),
]
custom_hooks = [
    dict(type='ChannelsLastHook', enabled=True),
    dict(type='ProgressiveTrainingHook', freeze_earlier=False,
         stages=stages),
]
train_dataloader = dict(sampler=dict(type='LabelledTaskSampler'))
param_scheduler = []  # the stages set the learning rate
train_cfg = dict(max_epochs=14, val_interval=14)
# frozen branches get no gradient: DDP must not wait for them
find_unused_parameters = True
