import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import mmfashion_attr  # noqa: F401  registers the loaders
from mmfashion_attr.utils import trusted_checkpoints


def full_checkpoint(path):
    """What mmengine's Runner saves: pickled objects besides tensors."""
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save(dict(state_dict=dict(w=torch.ones(2)),
                    message_hub=dict(log_scalars=dict(loss=buffer)),
                    meta=dict(seed=np.int64(3))), path)
    return str(path)


class RunsCode:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_plain_state_dict_loads_weights_only(tmp_path):
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(2))), path)
    assert _load_checkpoint(path)['state_dict']['w'].sum() == 2


def test_pickle_carrying_code_is_refused_on_the_pretrained_path(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(2)), x=RunsCode()), path)
    with pytest.raises(pickle.UnpicklingError, match='weights-only'):
        _load_checkpoint(path)
    # as init_cfg=Pretrained loads it
    from mmengine.model import BaseModule

    class Tiny(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Pretrained',
                                           checkpoint=path))
            self.w = torch.nn.Parameter(torch.zeros(2))

    with pytest.raises(pickle.UnpicklingError, match='weights-only'):
        Tiny().init_weights()


def test_full_checkpoint_needs_the_trusted_path(tmp_path):
    path = full_checkpoint(tmp_path / 'epoch_1.pth')
    with pytest.raises(pickle.UnpicklingError, match='--resume, load_from'):
        _load_checkpoint(path)
    with trusted_checkpoints():
        ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['message_hub']['log_scalars']['loss'].current() == 1.5
    with pytest.raises(pickle.UnpicklingError):  # trust does not linger
        _load_checkpoint(path)


def test_runner_load_checkpoint_is_trusted(tmp_path):
    from mmengine.runner import Runner
    path = full_checkpoint(tmp_path / 'epoch_1.pth')
    runner = Runner.__new__(Runner)  # only load_checkpoint's own path
    runner.call_hook = lambda *a, **k: None
    runner.model = torch.nn.Module()
    runner.model.w = torch.nn.Parameter(torch.zeros(2))
    runner._has_loaded = False
    runner.logger = __import__('logging').getLogger('t')
    ckpt = runner.load_checkpoint(path)
    assert runner.model.w.sum() == 2 and 'message_hub' in ckpt


def test_missing_checkpoint_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))
