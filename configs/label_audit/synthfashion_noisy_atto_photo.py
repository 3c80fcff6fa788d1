# The from-scratch audit model (synthfashion_noisy_atto_96px.py: the demo
# model at 96 px, 12 epochs) on the pretrained audit's data
# (synthfashion_noisy_lite0_frozen.py: 224 px images, photo-scale details,
# decoded at reduced scale to 96 px), for benchmarks/label_audit.py's side
# by side comparison.
_base_ = './synthfashion_noisy_atto_96px.py'

data_root = 'data/synthfashion_noisy_photo224/'
model = dict(head=dict(schema_file=data_root + 'schema.json'))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
