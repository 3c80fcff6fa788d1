# One model for jeans length alone (of the per-attribute approach).
_base_ = './_article.py'

subset = dict(tasks=['length'])
# no category task beside it, so no per-category value masks
model = dict(head=dict(subset=subset, value_masks=False))
# trained on the images that have the attribute labelled
train_dataloader = dict(
    sampler=dict(type='LabelledTaskSampler', tasks=subset['tasks']),
    dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
