# One multi-label model: a single sigmoid layer over every value of every
# dresses attribute (no branches), binary cross-entropy on the labelled tasks.
_base_ = './_article.py'

model = dict(head=dict(hidden_dims=(), sigmoid_all=True))
