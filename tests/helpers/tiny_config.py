"""Write a tiny-input variant of the demo config for subprocess tests."""
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs', 'demo', 'synthfashion_effv2atto_fpn_cbam.py')

TEMPLATE = '''_base_ = {demo!r}
data_root = {root!r}
image_size = {size}
pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
model = dict(head=dict(schema_file=data_root + '/schema.json',
                       hidden_dims=(16, )))
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=pipeline))
test_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=pipeline))
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
param_scheduler = dict(T_max={epochs})
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
# without the demo's IntraOpThreadsHook: tests that swap custom_hooks
# (crash hooks) must run at the same thread count as their reference
custom_hooks = [dict(type='ChannelsLastHook', enabled=True)]
'''


def write_tiny_config(path, data_root, size=64, epochs=3):
    with open(path, 'w') as f:
        f.write(TEMPLATE.format(demo=DEMO, root=str(data_root), size=size,
                                epochs=epochs))
    return str(path)


def save_tiny_checkpoint(config, path):
    """The tiny config's model as initialised (seed 0), saved as a
    checkpoint of its weights; returns ``str(path)``."""
    import torch
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    import mmfashion_attr  # noqa: F401
    torch.manual_seed(0)
    model = get_model(Config.fromfile(config))
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict()), str(path))
    return str(path)
