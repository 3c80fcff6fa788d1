# Comparison: the same neck and branches on frozen Lite0 features
# (../demo/synthfashion_lite0_frozen_fpn_cbam.py: backbone once per image,
# no flip) on the catalogue model's data.
_base_ = '../demo/synthfashion_lite0_frozen_fpn_cbam.py'

data_root = 'data/synthfashion_photo224/'
model = dict(head=dict(schema_file=data_root + 'schema.json'))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
