"""Checkpoint loading: weights-only everywhere, and a trained model's
checkpoint must fit its config.

torch >= 2.6 defaults ``torch.load(weights_only=True)``, which refuses the
``HistoryBuffer`` and numpy objects that mmengine 0.10.7 writes into its
training checkpoints (``message_hub``, ``meta``). Importing the package
re-registers mmengine's loaders for local files and http(s) URLs so that
every checkpoint (pretrained weights, ``init_cfg``, ``--resume``,
``load_from``, test, inferencers, service, export) loads with
``weights_only=True`` and an explicit allowlist of those types
(:func:`checkpoint_safe_globals`): a pickle that would run code is refused.
:func:`trusted_checkpoints` is the explicit, opt-in way to load a trusted
file holding other types; nothing in the package uses it.

Loading a *trained* model (:func:`load_trained_weights`: ``Runner``'s
resume / ``load_from`` / test for models of this package, and the package's
inferencers and tools) refuses missing, unexpected or mis-shaped keys and
another attribute schema, unless partial loading is asked for
(``allow_partial_load = True`` in a config, ``--allow-partial`` in tools).
"""
import functools
import os
import os.path as osp
import pickle
import re
import threading
from contextlib import contextmanager
from typing import Dict, List, Optional

import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from ..errors import UserInputError

_state = threading.local()
SHOWN = 5  # keys listed per kind of mismatch


class CheckpointMismatchError(UserInputError, ValueError):
    """A checkpoint whose weights do not fit the model built from a config."""


class CheckpointRefusedError(UserInputError, pickle.UnpicklingError):
    """A checkpoint that weights-only loading refuses: it holds pickled
    objects that could run code."""


@contextmanager
def trusted_checkpoints():
    """Load full pickles (``weights_only=False``) in this block: for a file
    you trust that holds types outside :func:`checkpoint_safe_globals`.
    As with any pickle, a checkpoint loaded here can run code."""
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


def _history_buffer_method(owner, name: str):
    """Stands in for ``getattr`` in weights-only loading, for the one use
    mmengine's checkpoints make of it: a pickled ``HistoryBuffer`` names
    its statistics methods as ``getattr(HistoryBuffer, 'mean')``. Any
    other attribute is refused."""
    from mmengine.logging import HistoryBuffer
    if owner is not HistoryBuffer or not isinstance(name, str) \
            or name.startswith('_') or not callable(
                getattr(HistoryBuffer, name, None)):
        raise pickle.UnpicklingError(
            f'getattr({owner!r}, {name!r}) refused: weights-only loading '
            'allows only HistoryBuffer\'s statistics methods')
    return getattr(HistoryBuffer, name)


def checkpoint_safe_globals() -> list:
    """The non-tensor types of the checkpoints mmengine's Runner writes:
    numpy arrays and scalars (``meta``, RNG states) and ``HistoryBuffer``
    (``message_hub``'s logged scalars) with its statistics methods. None of
    them runs code when unpickled."""
    from mmengine.logging import HistoryBuffer
    return _numpy_globals() + [
        HistoryBuffer, (_history_buffer_method, '__builtin__.getattr'),
        (_history_buffer_method, 'builtins.getattr')]


def _load(load, filename):
    if getattr(_state, 'trusted', False):
        return load(weights_only=False)
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return load(weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointRefusedError(
            f'{filename}: refused by weights-only loading: it holds pickled '
            'objects other than tensors, numpy values and mmengine\'s '
            'HistoryBuffer, which could run code. If you made the file '
            'yourself and trust it, load it in code inside `with '
            f'mmfashion_attr.utils.trusted_checkpoints():`. ({e})') from e


def load_from_local(filename, map_location=None):
    """mmengine's local loader, weights-only."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return _load(functools.partial(torch.load, filename,
                                   map_location=map_location), filename)


def load_from_http(filename, map_location=None, model_dir=None,
                   progress=os.isatty(0)):
    """mmengine's URL loader (rank 0 downloads first), weights-only."""

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


def _listed(keys: List[str]) -> str:
    more = f' and {len(keys) - SHOWN} more' if len(keys) > SHOWN else ''
    return ', '.join(keys[:SHOWN]) + more


def _extra_state_problem(model, key, value) -> Optional[str]:
    """Why ``model`` refuses the extra state ``value`` at ``key`` (None:
    it takes it; the head checks its attribute tasks there)."""
    module = model.get_submodule(key.rsplit('.', 1)[0]) if '.' in key \
        else model
    try:
        module.set_extra_state(value)
    except ValueError as e:
        return str(e)
    return None


def state_dict_problems(model: torch.nn.Module,
                        state_dict: Dict[str, object]) -> Dict[str, list]:
    """Keys of ``state_dict`` that do not fit ``model``: ``missing``,
    ``unexpected``, ``shape`` (``key: checkpoint vs model``) and
    ``schema`` (extra states the model refuses, with the reason).
    ``old_format``: extra states a checkpoint older than them lacks."""
    own = model.state_dict()
    problems = dict(missing=[], unexpected=[], shape=[], schema=[],
                    old_format=[])
    for key, value in own.items():
        extra = key.endswith('_extra_state')
        if key not in state_dict:
            problems['old_format' if extra else 'missing'].append(key)
        elif extra:
            why = _extra_state_problem(model, key, state_dict[key])
            if why:
                problems['schema'].append(f'{key}: {why}')
        elif tuple(getattr(state_dict[key], 'shape', ())) != \
                tuple(value.shape):
            problems['shape'].append(
                f'{key}: {tuple(state_dict[key].shape)} in the checkpoint, '
                f'{tuple(value.shape)} in the model')
    problems['unexpected'] = [k for k in state_dict if k not in own]
    return problems


def load_trained_weights(model: torch.nn.Module,
                         checkpoint: dict,
                         checkpoint_name: str,
                         config_name: str,
                         allow_partial: bool = False,
                         revise_keys=((r'^module\.', ''), ),
                         logger='current') -> dict:
    """Load ``checkpoint``'s state dict into ``model``, refusing any key
    that does not fit.

    Args:
        model (nn.Module): Built from ``config_name`` (a DDP or TTA
            wrapper loads into the model it wraps).
        checkpoint (dict): A loaded checkpoint (or a plain state dict).
        checkpoint_name (str): Its file, for messages.
        config_name (str): The model's config, for messages.
        allow_partial (bool): Load the keys that fit and log the others
            (fine-tuning from another model) instead of raising
            :class:`CheckpointMismatchError`.
        revise_keys: ``(pattern, replacement)`` applied to the checkpoint's
            keys, as in mmengine.

    Returns:
        dict: ``checkpoint``.
    """
    # the wrapped model, as mmengine's load_state_dict takes it
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    state_dict = checkpoint.get('state_dict', checkpoint)
    for pattern, replacement in revise_keys:
        state_dict = {re.sub(pattern, replacement, k): v
                      for k, v in state_dict.items()}
    problems = state_dict_problems(model, state_dict)
    if problems['old_format']:
        print_log(f'{checkpoint_name} predates recorded attribute tasks '
                  f'({_listed(problems["old_format"])}): they are not '
                  'checked against the config', logger, level=30)
    kinds = dict(missing='missing in the checkpoint',
                 unexpected='not in the model',
                 shape='of another shape', schema='refused by the model')
    found = [f'{len(problems[k])} {words} ({_listed(problems[k])})'
             for k, words in kinds.items() if problems[k]]
    if found and not allow_partial:
        raise CheckpointMismatchError(
            f'{checkpoint_name} does not fit the model of {config_name}: '
            + '; '.join(found) + '. Check that the checkpoint was trained '
            'with this config; to fine-tune from another model, load the '
            'keys that fit with --allow-partial (tools) or '
            'allow_partial_load=True (config).')
    if found:
        print_log(f'{checkpoint_name}: partial load into {config_name}, '
                  'skipping ' + '; '.join(found), logger, level=30)
        skip = set(problems['unexpected']) | {
            s.split(':', 1)[0] for s in problems['shape'] + problems['schema']}
        state_dict = {k: v for k, v in state_dict.items() if k not in skip}
    model.load_state_dict(state_dict, strict=False)
    return checkpoint


def is_plugin_model(model: torch.nn.Module) -> bool:
    """Whether ``model`` holds a module of this package (its checkpoints
    are loaded strictly by the Runner)."""
    model = model.module if is_model_wrapper(model) else model
    return any(type(m).__module__.startswith('mmfashion_attr.')
               for m in model.modules())


def _strict_runner_load(load_checkpoint):
    """``Runner.load_checkpoint`` (``--resume``, ``load_from``, test)
    through :func:`load_trained_weights` for models of this package; other
    models load as mmengine loads them."""

    @functools.wraps(load_checkpoint)
    def wrapper(self, filename, map_location='cpu', strict=False,
                revise_keys=[(r'^module.', '')]):
        if not is_plugin_model(self.model):
            return load_checkpoint(self, filename, map_location, strict,
                                   revise_keys)
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        cfg = getattr(self, 'cfg', None) or {}
        load_trained_weights(
            self.model, checkpoint, filename,
            getattr(cfg, 'filename', None) or 'the config',
            allow_partial=bool(cfg.get('allow_partial_load', False)),
            revise_keys=revise_keys, logger=self.logger)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    wrapper.mmfashion_attr_strict = True
    return wrapper


def register_checkpoint_loaders():
    """Replace mmengine's local and http(s) loaders (weights-only with the
    allowlist) and make the Runner load this package's models strictly."""
    CheckpointLoader.register_scheme('', load_from_local, force=True)
    CheckpointLoader.register_scheme(('http://', 'https://'), load_from_http,
                                     force=True)
    if not getattr(Runner.load_checkpoint, 'mmfashion_attr_strict', False):
        Runner.load_checkpoint = _strict_runner_load(Runner.load_checkpoint)
