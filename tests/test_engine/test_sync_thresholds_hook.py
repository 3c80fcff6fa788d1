from types import SimpleNamespace

import torch

import mmfashion_attr  # noqa: F401
from mmfashion_attr.engine import SyncThresholdsHook
from mmfashion_attr.evaluation import AttributeF1
from mmpretrain.registry import MODELS


def test_head_takes_the_evaluator_thresholds_through_wrappers():
    head = MODELS.build(dict(type='MultiTaskMaskedHead', in_channels=4,
                             tasks=[dict(name='neck', num_classes=2)]))
    model = torch.nn.Module()
    model.head = head
    tta = torch.nn.Module()
    tta.module = model  # as a TTA model holds the classifier
    evaluator = SimpleNamespace(metrics=[AttributeF1(thresholds=dict(
        neck=0.3))])
    runner = SimpleNamespace(model=tta, test_evaluator=evaluator,
                             val_evaluator=SimpleNamespace(metrics=[]))
    SyncThresholdsHook().before_test(runner)
    assert head.thresholds == dict(neck=0.3)
    SyncThresholdsHook().before_val(runner)  # no AttributeF1: unchanged
    assert head.thresholds == dict(neck=0.3)
