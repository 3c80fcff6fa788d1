# Parekh & Shaik 2023 (Figure 5, approach 3): EfficientNetV2-M taps block3e /
# block5n / block7e (80x48x48, 176x24x24, 512x12x12 at 380 px) -> FPN keeping
# each level's channels -> per-scale CBAM -> GAP -> concat (768) -> branches.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='EfficientNetV2Taps',
        arch='m',
        out_indices=(3, 5, 7),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'efficientnetv2/efficientnetv2-m_3rdparty_in1k_20221220-9dc0c729.pth',
            prefix='backbone.')),
    neck=dict(
        type='ScaleAttnFPN',
        in_channels=[80, 176, 512],
        fpn=dict(type='ChannelPreservingFPN'),
        attention=dict(type='CBAM')),
    head=dict(
        type='MultiTaskMaskedHead',
        in_channels=768,
        schema_file=None,  # tasks and allowed values: set by each config
        hidden_dims=(512, ),
        value_masks=False))
