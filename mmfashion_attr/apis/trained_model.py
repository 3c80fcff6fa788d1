"""A model built from its config with its trained checkpoint, loaded
strictly (:func:`~mmfashion_attr.utils.load_trained_weights`)."""
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from mmpretrain.apis import get_model

from ..models.backbones import FrozenFeatureCache
from ..utils.checkpoint_loading import load_trained_weights


def init_trained_model(config: Union[str, Config],
                       checkpoint: Optional[str],
                       device: Union[str, torch.device, None] = 'cpu',
                       allow_partial: bool = False) -> torch.nn.Module:
    """mmpretrain's ``get_model(config, checkpoint)``, but a checkpoint
    that does not fit the config (missing, unexpected or mis-shaped keys,
    another attribute schema) is an error, and it loads weights-only.

    Args:
        config (str | Config): The model's config.
        checkpoint (str, optional): Its trained checkpoint; None keeps the
            model as initialised (benchmarks).
        device (str): Where to put the model.
        allow_partial (bool): Load only the keys that fit, logging the rest.

    Returns:
        nn.Module: In eval mode, with ``dataset_meta`` from the checkpoint's
        ``meta`` when it has one; a ``FrozenFeatureCache`` backbone with
        its cache off (``bypass``).
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    model = get_model(cfg, pretrained=False, device=None)
    if checkpoint is not None:
        loaded = load_trained_weights(
            model, _load_checkpoint(checkpoint, map_location='cpu'),
            checkpoint, cfg.filename or 'the given config', allow_partial)
        meta = loaded.get('meta') or {}
        if 'dataset_meta' in meta:
            model._dataset_meta = meta['dataset_meta']
    for module in model.modules():  # new images: nothing to cache
        if isinstance(module, FrozenFeatureCache):
            module.bypass = True
    if device is not None:
        model.to(device)
    return model.eval()
