"""Weights-only loading of every checkpoint (with mmengine's training
state allowlisted) and strict loading of trained models."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import mmfashion_attr  # noqa: F401  registers the loaders
from mmfashion_attr.utils import (CheckpointMismatchError,
                                  load_trained_weights, trusted_checkpoints)
from tests.helpers.malicious import WritesMarker


def full_checkpoint(path):
    """What mmengine's Runner saves: pickled objects besides tensors (a
    HistoryBuffer pickles its statistics methods through getattr)."""
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save(dict(state_dict=dict(w=torch.ones(2)),
                    message_hub=dict(log_scalars=dict(loss=buffer)),
                    meta=dict(seed=np.int64(3),
                              rng=np.random.RandomState(0).get_state())),
               path)
    return str(path)


class ReadsSecrets:
    """getattr on something other than HistoryBuffer's methods."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_plain_state_dict_loads_weights_only(tmp_path):
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(2))), path)
    assert _load_checkpoint(path)['state_dict']['w'].sum() == 2


def test_training_checkpoint_loads_weights_only(tmp_path):
    ckpt = _load_checkpoint(full_checkpoint(tmp_path / 'epoch_1.pth'))
    loss = ckpt['message_hub']['log_scalars']['loss']
    assert loss.current() == 1.5 and loss.mean() == 1.5
    assert ckpt['meta']['seed'] == 3


@pytest.mark.parametrize('payload', ['marker', 'getattr'])
def test_pickle_carrying_code_is_refused(tmp_path, payload):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    obj = WritesMarker(marker) if payload == 'marker' else ReadsSecrets()
    torch.save(dict(state_dict=dict(w=torch.ones(2)), x=obj), path)
    with pytest.raises(pickle.UnpicklingError, match='weights-only'):
        _load_checkpoint(path)
    assert not marker.exists()
    # as init_cfg=Pretrained loads it
    from mmengine.model import BaseModule

    class Tiny(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Pretrained',
                                           checkpoint=path))
            self.w = torch.nn.Parameter(torch.zeros(2))

    with pytest.raises(pickle.UnpicklingError, match='weights-only'):
        Tiny().init_weights()
    assert not marker.exists()
    if payload == 'marker':  # the explicit opt-in runs it, as any pickle
        with trusted_checkpoints():
            _load_checkpoint(path)
        assert marker.exists()


def _two_layers(out=3):
    return torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Linear(4, out))


def test_trained_weights_must_fit(tmp_path):
    source = _two_layers(out=5).state_dict()
    source['extra.weight'] = torch.zeros(1)
    del source['0.bias']
    model = _two_layers()
    with pytest.raises(CheckpointMismatchError) as e:
        load_trained_weights(model, dict(state_dict=source), 'a.pth', 'b.py')
    message = str(e.value)
    for words in ('a.pth does not fit the model of b.py',
                  '1 missing in the checkpoint (0.bias)',
                  '1 not in the model (extra.weight)',
                  '1.weight: (5, 4) in the checkpoint, (3, 4) in the model',
                  '--allow-partial'):
        assert words in message
    before = model.state_dict()['1.weight'].clone()
    load_trained_weights(model, dict(state_dict=source), 'a.pth', 'b.py',
                         allow_partial=True)
    assert torch.equal(model[0].weight, source['0.weight'])
    assert torch.equal(model[1].weight, before)  # left as it was


def test_runner_loads_plugin_models_strictly(tmp_path):
    from mmengine.runner import Runner

    from mmfashion_attr.models.layers import CBAM
    path = full_checkpoint(tmp_path / 'epoch_1.pth')

    def runner_for(model, **cfg):
        runner = Runner.__new__(Runner)  # only load_checkpoint's own path
        runner.call_hook = lambda *a, **k: None
        runner.model, runner._has_loaded = model, False
        runner.cfg = __import__('mmengine').Config(cfg)
        runner.logger = __import__('logging').getLogger('t')
        return runner

    plain = torch.nn.Module()
    plain.w = torch.nn.Parameter(torch.zeros(2))
    plain.v = torch.nn.Parameter(torch.zeros(2))  # missing: mmengine warns
    ckpt = runner_for(plain).load_checkpoint(path)
    assert plain.w.sum() == 2 and 'message_hub' in ckpt
    ours = torch.nn.Module()
    ours.w = torch.nn.Parameter(torch.zeros(2))
    ours.cbam = CBAM(8)
    with pytest.raises(CheckpointMismatchError, match='cbam'):
        runner_for(ours).load_checkpoint(path)
    runner_for(ours, allow_partial_load=True).load_checkpoint(path)
    assert ours.w.sum() == 2


def test_missing_checkpoint_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))
