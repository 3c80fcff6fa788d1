# Approach 3 (paper 5.2.4): multi-scale taps + channel-preserving FPN +
# scale-wise CBAM -> 768-d. The proposed model; the other ablations inherit it.
_base_ = [
    '_base_/models/effv2m_multitask.py',
    '_base_/datasets/catalog_380.py',
    '_base_/schedules/adam_step_paper.py',
    '_base_/default_runtime.py',
]
model = dict(head=dict(schema_file={{_base_.schema_file}}))
