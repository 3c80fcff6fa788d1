# Comparison: the demo model (from scratch, 128 px) on the catalogue
# model's data (224 px images decoded at reduced scale to 128 px).
_base_ = '../demo/synthfashion_effv2atto_fpn_cbam.py'

data_root = 'data/synthfashion_photo224/'
model = dict(head=dict(schema_file=data_root + 'schema.json'))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
