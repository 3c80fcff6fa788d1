"""``mmfashion_attr.config_files`` in a checkout (the wheel's copy:
test_wheel.py), and why the ``mmfashion_attr::`` scope form is not the
documented one: mmengine 0.10.7 refuses any scope outside its own table."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmfashion_attr import config_files
from mmfashion_attr.errors import UserValueError
from tests.helpers.tiny_config import ROOT

DEMO = 'demo/synthfashion_effv2atto_fpn_cbam.py'


def test_checkout_configs():
    if config_files.PACKAGE_DIR != osp.join(ROOT, 'mmfashion_attr'):
        pytest.skip('mmfashion_attr is not imported from this checkout')
    assert config_files.mim_dir() is None  # editable install: no .mim
    assert config_files.configs_dir() == osp.join(ROOT, 'configs')
    assert config_files.model_index() == osp.join(ROOT, 'model-index.yml')
    path = osp.join(ROOT, 'configs', DEMO)
    for name in (DEMO, 'mmfashion_attr::' + DEMO, 'configs/' + DEMO):
        assert config_files.config_path(name) == path
    with pytest.raises(UserValueError, match='no such config'):
        config_files.config_path('demo/nope.py')


def test_env_variable_form_inherits(tmp_path, monkeypatch):
    """The documented form: mmengine substitutes the variable, then reads
    the base by its absolute path (no scope, so the base keeps its own
    default_scope and registries)."""
    monkeypatch.setenv(config_files.ENV, config_files.configs_dir())
    mine = tmp_path / 'mine.py'
    mine.write_text(f"_base_ = '{{{{${config_files.ENV}:}}}}/{DEMO}'\n"
                    'train_cfg = dict(max_epochs=1)\n')
    cfg = Config.fromfile(str(mine))
    assert cfg.train_cfg.max_epochs == 1
    assert cfg.model.backbone.arch == 'atto'
    assert cfg.default_scope == 'mmpretrain'
    assert '_scope_' not in cfg.model
    monkeypatch.delenv(config_files.ENV)
    with pytest.raises(KeyError, match=config_files.ENV):
        Config.fromfile(str(mine))


def test_scope_form_refused_by_mmengine(tmp_path):
    """If this fails, mmengine learnt third-party scopes: revisit
    docs/layout.md ("Use from your own project") and config_files.py."""
    mine = tmp_path / 'mine.py'
    mine.write_text(f"_base_ = 'mmfashion_attr::{DEMO}'\n")
    with pytest.raises(AssertionError,
                       match='does not support to load mmfashion_attr'):
        Config.fromfile(str(mine))
