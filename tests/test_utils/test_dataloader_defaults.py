from mmengine.config import ConfigDict

from mmfashion_attr.utils import set_dataloader_defaults


def test_no_workers_never_persistent():
    loader = ConfigDict(num_workers=0, persistent_workers=True)
    set_dataloader_defaults(loader)
    assert loader.persistent_workers is False and loader.pin_memory is True


def test_config_values_win_over_defaults():
    loader = ConfigDict(num_workers=2, pin_memory=False)
    set_dataloader_defaults(loader, pin_memory=True, persistent_workers=True)
    assert loader.pin_memory is False and loader.persistent_workers is True
    loader = ConfigDict(num_workers=2, persistent_workers=False)
    set_dataloader_defaults(loader)
    assert loader.persistent_workers is False


def test_the_no_flags_override_the_config():
    loader = ConfigDict(num_workers=2, persistent_workers=True,
                        pin_memory=True)
    set_dataloader_defaults(loader, pin_memory=False,
                            persistent_workers=False)
    assert loader.persistent_workers is False and loader.pin_memory is False


def test_train_tool_no_persistent_workers_beats_the_config(monkeypatch):
    """tools/train.py --no-persistent-workers on a config that sets
    persistent_workers=True (the paper configs do) turns it off."""
    import importlib.util
    import os.path as osp

    from mmengine.config import Config

    from tests.helpers.tiny_config import ROOT
    spec = importlib.util.spec_from_file_location(
        'mmfa_train_tool', osp.join(ROOT, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = osp.join(ROOT, 'configs', 'effv2m_fpn_cbam.py')
    cfg = Config.fromfile(config)
    assert cfg.train_dataloader.persistent_workers is True
    monkeypatch.setattr('sys.argv', ['train.py', config,
                                     '--no-persistent-workers'])
    cfg = tool.merge_args(cfg, tool.parse_args())
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.train_dataloader.num_workers > 0
