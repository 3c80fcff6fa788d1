"""AttrCategoriesHook: each loop's dataset's categories with attributes
reach the model's AttributeRoIHead as class indices (the metric's set);
a model without one is an error."""
from types import SimpleNamespace

import pytest
from mmdet.registry import HOOKS
from mmengine.registry import DefaultScope
from torch import nn

import mmfashion_attr  # noqa: F401
from tests.test_models.test_attribute_roi_head import gapped_dataset, roi_head


def fake_runner(model, **datasets):
    """What the hook reads of a Runner: the model and each loop's
    dataset."""
    loops = {f'{k}_loop': SimpleNamespace(dataloader=SimpleNamespace(
        dataset=v)) for k, v in datasets.items()}
    return SimpleNamespace(model=model, **loops)


def test_each_loop_gives_its_datasets_set(tmp_path):
    with DefaultScope.overwrite_default_scope('mmdet'):
        hook = HOOKS.build(dict(type='AttrCategoriesHook'))
    detector = nn.Module()
    detector.roi_head = roi_head()
    (tmp_path / 'train').mkdir()
    (tmp_path / 'test').mkdir()
    runner = fake_runner(
        detector, train=gapped_dataset(tmp_path / 'train', ['shirt']),
        test=gapped_dataset(tmp_path / 'test', ['skirt', 'bag']))
    hook.before_train(runner)
    assert detector.roi_head.attr_categories == [2]  # shirt, id 3
    hook.before_test(runner)
    assert detector.roi_head.attr_categories == [0, 1]  # bag 41, skirt 28
    # an error names the loop and the annotation file
    runner.val_loop = runner.test_loop
    detector.roi_head = roi_head(attr_categories=[2])
    with pytest.raises(ValueError, match=r"val_dataloader's Fashionpedia"
                       r'InstanceDataset \(.*test/instances.json\)'):
        hook.before_val(runner)
    with pytest.raises(TypeError, match='no attribute RoI head'):
        hook.before_train(fake_runner(nn.Linear(1, 1)))
