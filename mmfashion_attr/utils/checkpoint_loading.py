"""Let mmengine load the checkpoints it writes under torch >= 2.6.

torch >= 2.6 defaults ``torch.load(weights_only=True)``, which refuses the
``HistoryBuffer`` and numpy objects that mmengine 0.10.7 saves in its
``message_hub`` (``UnpicklingError ... HistoryBuffer``), so ``--resume``,
``load_from`` and ``tools/test.py CONFIG CKPT`` fail. mmengine offers no switch,
so this module re-registers mmengine's loaders for local files and http(s)
URLs with ``weights_only=False``. Only mmengine's ``CheckpointLoader`` is
affected; ``torch.load`` keeps its default everywhere else. As with any pickle,
load only checkpoints you trust.
"""
import os
import os.path as osp

import torch
from mmengine.dist import get_dist_info, barrier
from mmengine.runner.checkpoint import CheckpointLoader


def load_from_local(filename, map_location=None):
    """mmengine's local loader, allowing the pickled objects it saved."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def load_from_http(filename, map_location=None, model_dir=None,
                   progress=os.isatty(0)):
    """mmengine's URL loader (rank 0 downloads first), as above."""

    def load():
        return torch.hub.load_state_dict_from_url(
            filename, model_dir=model_dir, map_location=map_location,
            progress=progress, weights_only=False)

    rank, world_size = get_dist_info()
    if rank == 0:
        checkpoint = load()
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = load()
    return checkpoint


def register_checkpoint_loaders():
    """Replace mmengine's default local and http(s) checkpoint loaders."""
    CheckpointLoader.register_scheme('', load_from_local, force=True)
    CheckpointLoader.register_scheme(('http://', 'https://'), load_from_http,
                                     force=True)
