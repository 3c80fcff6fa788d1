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
