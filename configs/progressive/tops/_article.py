# The tops article group: SynthFashion's t-shirt, shirt images and the
# attributes that apply to them (the head and every dataset get the same
# subset, so their label layouts agree).
_base_ = '../_base_/resnet34_synthfashion.py'

subset = dict(categories=['t-shirt', 'shirt'])
model = dict(head=dict(subset=subset))
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
