# The catalogue model for CPUs (recommended start): the paper's neck (FPN,
# CBAM per scale) and masked branches on ImageNet EfficientNet-Lite0 at 224
# px, fine-tuned end to end (backbone at a tenth of the rate), 10 epochs,
# seeded as the demo (../demo/README.md, "Same seed, same model"). On
# SynthFashion with photo-scale details (real garments' proportions: the
# few-pixel neck, buttons, rips). For one's own catalogue: data_root and
# schema_file (docs/datasets.md); results and commands in README.md.
_base_ = '../demo/synthfashion_lite0_fpn_cbam.py'

data_root = 'data/synthfashion_photo224/'
model = dict(head=dict(schema_file=data_root + 'schema.json'))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
