# One model for tops category alone (of the per-attribute approach).
_base_ = './_article.py'

subset = dict(tasks=['category'])
model = dict(head=dict(subset=subset))
# trained on the images that have the attribute labelled
train_dataloader = dict(
    sampler=dict(type='LabelledTaskSampler', tasks=subset['tasks']),
    dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
