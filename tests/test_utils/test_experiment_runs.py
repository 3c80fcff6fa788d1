"""The report tools merge --cfg-options as tools/train.py does."""
import os.path as osp

import pytest

from mmfashion_attr.utils.experiment_runs import load_config
from tests.helpers.tiny_config import DEMO


@pytest.mark.parametrize('tool', ['ablation_report', 'compare_progressive'])
def test_report_tools_merge_options_as_train_py(tool, tmp_path):
    """A model-changing option reaches the model the tool measures as a
    tuple / bool / int, as tools/train.py's DictAction gives it (a plain
    split on '=' would hand the model the strings '(4,)' and 'False')."""
    import importlib
    module = importlib.import_module(f'tools.analysis_tools.{tool}')
    assert module.load_config is load_config
    cfg = load_config(DEMO, ['model.head.hidden_dims=(4,)',
                             'model.head.value_masks=False',
                             'train_cfg.max_epochs=2'])
    assert cfg.model.head.hidden_dims == (4, )
    assert cfg.model.head.value_masks is False
    assert cfg.train_cfg.max_epochs == 2
    assert load_config(DEMO, None).model.head.hidden_dims != (4, )


def test_schema_groups_reads_the_overridden_schema(schema_file):
    from tools.analysis_tools.ablation_report import schema_groups
    groups = schema_groups(DEMO, [f'model.head.schema_file={schema_file}'])
    assert groups['neck_type'] == dict(roi='small', granularity='fine')
    assert osp.exists(schema_file)
