# The dresses article group: SynthFashion's dress images and the
# attributes that apply to them (the head and every dataset get the same
# subset, so their label layouts agree). One category: no category task,
# and the subset keeps its values only, so there is nothing to mask by.
_base_ = '../_base_/resnet34_synthfashion.py'

subset = dict(categories=['dress'])
model = dict(head=dict(value_masks=False, subset=subset))
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
