"""Checkpoint loading under torch >= 2.6: safe by default, full training
checkpoints only where a run asks for one.

torch >= 2.6 defaults ``torch.load(weights_only=True)``, which refuses the
``HistoryBuffer`` and numpy objects that mmengine 0.10.7 saves in its
training checkpoints (``message_hub``, ``meta``). This module re-registers
mmengine's loaders for local files and http(s) URLs so that:

- pretrained weights (``init_cfg`` ``Pretrained``, URLs, plain state dicts,
  ``load_checkpoint`` calls of any library) load with ``weights_only=True``
  (numpy arrays and scalars of plain dtypes allowed, as published
  checkpoints carry them in ``meta``); a pickle that carries code is
  refused;
- full training checkpoints load with ``weights_only=False`` only inside
  :func:`trusted_checkpoints`: ``Runner.load_checkpoint`` (``--resume``,
  ``load_from``, ``tools/test.py CONFIG CKPT``) and
  ``AttributeInferencer`` run there. Load only checkpoints you trust there.
"""
import functools
import os
import os.path as osp
import pickle
import threading
from contextlib import contextmanager

import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader

_state = threading.local()


@contextmanager
def trusted_checkpoints():
    """Allow full (pickled) checkpoints in mmengine's loaders in this block.
    As with any pickle, a checkpoint loaded here can run code: trusted only.
    """
    previous = getattr(_state, 'trusted', False)
    _state.trusted = True
    try:
        yield
    finally:
        _state.trusted = previous


def _numpy_globals() -> list:
    """numpy's array / scalar reconstructors and plain dtype classes."""
    import numpy as np
    core = getattr(np, '_core', None) or np.core
    dtypes = {type(np.dtype(t)) for t in set(np.sctypeDict.values())
              if np.dtype(t).kind != 'O'}
    return [core.multiarray._reconstruct, core.multiarray.scalar,
            np.ndarray, np.dtype] + sorted(dtypes, key=str)


def _load(load, filename):
    if getattr(_state, 'trusted', False):
        return load(weights_only=False)
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            return load(weights_only=True)
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(
            f'{filename}: refused by the weights-only loader used for '
            'pretrained weights (it holds pickled objects: a full training '
            'checkpoint, or code). Load training checkpoints through '
            '--resume, load_from or tools/test.py, or in code inside '
            '`with mmfashion_attr.utils.trusted_checkpoints():`, and only '
            f'if you trust the file. ({e})') from e


def load_from_local(filename, map_location=None):
    """mmengine's local loader, weights-only unless trusted."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return _load(functools.partial(torch.load, filename,
                                   map_location=map_location), filename)


def load_from_http(filename, map_location=None, model_dir=None,
                   progress=os.isatty(0)):
    """mmengine's URL loader (rank 0 downloads first), as above."""

    def load():
        return _load(functools.partial(
            torch.hub.load_state_dict_from_url, filename, model_dir=model_dir,
            map_location=map_location, progress=progress), filename)

    rank, world_size = get_dist_info()
    if rank == 0:
        checkpoint = load()
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = load()
    return checkpoint


def _trusted_runner_load(load_checkpoint):

    @functools.wraps(load_checkpoint)
    def wrapper(self, *args, **kwargs):
        with trusted_checkpoints():
            return load_checkpoint(self, *args, **kwargs)

    wrapper.mmfashion_attr_trusted = True
    return wrapper


def register_checkpoint_loaders():
    """Replace mmengine's local and http(s) loaders; let the Runner's own
    checkpoint loading (resume, ``load_from``, test) read full checkpoints."""
    CheckpointLoader.register_scheme('', load_from_local, force=True)
    CheckpointLoader.register_scheme(('http://', 'https://'), load_from_http,
                                     force=True)
    if not getattr(Runner.load_checkpoint, 'mmfashion_attr_trusted', False):
        Runner.load_checkpoint = _trusted_runner_load(Runner.load_checkpoint)
