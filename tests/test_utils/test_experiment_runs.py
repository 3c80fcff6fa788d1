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


def test_a_runs_user_error_stops_the_report(tmp_path, monkeypatch):
    """tools/train.py's status 2: the report stops with its message (from
    the run's log), not with a CalledProcessError traceback."""
    import subprocess
    import types

    from mmfashion_attr.errors import UserInputError
    from mmfashion_attr.utils.experiment_runs import train_and_test

    def fake_run(args, stdout, **kwargs):
        stdout.write('train.py: error: x.py: No such file or directory\n')
        return types.SimpleNamespace(returncode=2)

    monkeypatch.setattr(subprocess, 'run', fake_run)
    with pytest.raises(UserInputError,
                       match='train.py: error: x.py: No such file .*log: '):
        train_and_test('x.py', str(tmp_path / 'work'))
