"""Distributed runs of ``tools/train.py`` / ``tools/test.py``, CPU-only
machines included."""
import os
from datetime import timedelta

import torch
import torch.distributed as dist

from ..engine.channels_last_hook import channels_last_enabled


def prepare_distributed(cfg):
    """Ready a config with ``launcher != 'none'`` before the Runner is built.

    On machines without CUDA, start a gloo process group from torchrun's
    environment here: mmengine 0.10.7's ``init_dist`` calls
    ``torch.cuda.set_device`` even for gloo ("Found no NVIDIA driver"), and
    its default DDP wrapper passes ``device_ids``, which CPU modules refuse.
    With ``ChannelsLastHook`` enabled, the model is converted before DDP
    wraps it.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none':
        return cfg
    wrapper = dict(cfg.get('model_wrapper_cfg', None) or {})
    if channels_last_enabled(cfg):
        wrapper.setdefault('type', 'ChannelsLastDistributedDataParallel')
    if not torch.cuda.is_available():
        if launcher != 'pytorch':
            raise RuntimeError(
                f'--launcher {launcher} on a machine without CUDA: only '
                "'pytorch' (torchrun, tools/dist_train.sh) is supported")
        env_cfg = cfg.setdefault('env_cfg', {})
        timeout = env_cfg.get('dist_cfg', {}).get('timeout', 1800)
        env_cfg['dist_cfg'] = dict(env_cfg.get('dist_cfg', {}),
                                   backend='gloo')
        if not dist.is_initialized():
            dist.init_process_group('gloo',
                                    timeout=timedelta(seconds=timeout))
        wrapper['device_ids'] = None
    if wrapper:
        # mmengine's defaults when it builds the wrapper itself
        wrapper.setdefault('broadcast_buffers', False)
        wrapper.setdefault('find_unused_parameters',
                           cfg.get('find_unused_parameters', False))
        cfg.model_wrapper_cfg = wrapper
    os.environ.setdefault('LOCAL_RANK', '0')
    return cfg


def end_distributed() -> None:
    """Destroy the process group at the end of a distributed run, as
    torch asks. Left to the interpreter's exit, one rank of the
    two-process test once aborted after its run had finished ("terminate
    called without an active exception": a communication thread torn down
    while still running)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
