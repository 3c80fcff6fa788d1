# Progressive training with the hook's default freeze_earlier=True: each
# stage trains the base and the new branch only, the earlier branches stay
# frozen until the final stage (the variant the folder README discusses).
_base_ = './progressive.py'

custom_hooks = [
    dict(type='ChannelsLastHook', enabled=True),
    dict(type='ProgressiveTrainingHook', freeze_earlier=True,
         stages={{_base_.stages}}),
]
