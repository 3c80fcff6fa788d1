import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint


def test_mmengine_checkpoint_with_history_buffer_loads(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save(dict(state_dict=dict(w=torch.ones(2)),
                    message_hub=dict(log_scalars=dict(loss=buffer)),
                    meta=dict(seed=np.int64(3))), path)
    # torch's own default stays strict ...
    with pytest.raises(Exception, match='HistoryBuffer|weights_only'):
        torch.load(path)
    # ... while mmengine's loader (patched on import) reads it
    import mmfashion_attr  # noqa: F401
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['message_hub']['log_scalars']['loss'].current() == 1.5


def test_missing_checkpoint_is_reported(tmp_path):
    import mmfashion_attr  # noqa: F401
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))
