"""A frozen backbone whose outputs are kept, keyed by the input's content.

Own code: neither mmengine nor mmpretrain caches features. With a frozen,
eval-mode backbone the feature maps of an image never change, so ablations
of the neck and head (five approaches x three seeds on the same images)
need the backbone once per image instead of once per image, epoch, seed
and approach. A random flip gives a different input and so its own entry.
"""
import hashlib
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

Features = Tuple[torch.Tensor, ...]


@MODELS.register_module()
class FrozenFeatureCache(BaseModule):
    """Run ``backbone`` (every parameter frozen, kept in eval mode) once per
    distinct input; later calls with the same input pixels and the same
    weights read its outputs from memory or ``cache_dir``.

    The key of an image is a hash of its preprocessed tensor, the backbone's
    config and its weights, so a changed image, augmentation, output choice
    or weight never reads a stale entry. Cached maps come from whatever batch first held the
    image; batch composition changes the float rounding of a convolution, so
    they equal a fresh forward pass to about 1e-6, not bit for bit.
    With ``bypass`` set the cache is off and the forward is the backbone's:
    a trained model predicting new images (``init_trained_model`` sets it:
    the inferencer, infer_catalog, the service and the export tools) keeps
    no entry per catalogue image and exports (ONNX) as the backbone.

    Args:
        backbone (dict): The backbone's config; its parameters must all be
            frozen (e.g. ``frozen_stages`` covering the whole network and
            ``norm_eval=True``), else a ValueError.
        cache_dir (str, optional): Folder for the entries (one file per
            image), shared by runs in other processes. None: memory only.
        keep_in_memory (bool): Also keep the entries in this process's
            memory (about 0.3 MB per 224 px image for Lite0's three taps).
            Default True.
        init_cfg (dict, optional): Initialisation config (the backbone's
            own ``init_weights`` runs as its child).
    """

    def __init__(self, backbone: dict, cache_dir: Optional[str] = None,
                 keep_in_memory: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.backbone = MODELS.build(backbone)
        # entries differ by what the backbone outputs (taps, last_conv), not
        # only by its weights: its config is part of the key
        self._config_key = repr(sorted(backbone.items())).encode()
        self.cache_dir = cache_dir
        self.keep_in_memory = keep_in_memory
        self._memory: Dict[str, Features] = {}
        self.hits = self.misses = 0
        self.bypass = False

    def train(self, mode: bool = True):
        """Train mode for the module; the backbone stays in eval mode."""
        super().train(mode)
        self.backbone.eval()
        return self

    def _weights_key(self) -> str:
        trainable = [n for n, p in self.backbone.named_parameters()
                     if p.requires_grad]
        if trainable:
            raise ValueError(
                f'FrozenFeatureCache: the backbone has {len(trainable)} '
                f'trainable parameters (first: {trainable[0]}); freeze it '
                'all (frozen_stages, norm_eval) or use it without the cache')
        digest = hashlib.blake2b(self._config_key, digest_size=12)
        for name, value in self.backbone.state_dict().items():
            digest.update(name.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return osp.join(self.cache_dir, key[:24], key[24:] + '.pt')

    def _read(self, key: str) -> Optional[Features]:
        if key in self._memory:
            return self._memory[key]
        if self.cache_dir and osp.exists(self._path(key)):
            found = tuple(torch.load(self._path(key), weights_only=True))
            if self.keep_in_memory:
                self._memory[key] = found
            return found
        return None

    def _write(self, key: str, features: Features) -> None:
        if self.keep_in_memory:
            self._memory[key] = features
        if self.cache_dir:
            path = self._path(key)
            os.makedirs(osp.dirname(path), exist_ok=True)
            torch.save(list(features), path + '.tmp')
            os.replace(path + '.tmp', path)  # whole entries only

    def forward(self, x: torch.Tensor) -> Features:
        if self.bypass:
            return tuple(self.backbone(x))
        weights = self._weights_key()
        pixels = x.detach().cpu().contiguous()
        keys = [weights + hashlib.blake2b(
            img.numpy().tobytes(), digest_size=16).hexdigest()
            for img in pixels]
        found = [self._read(k) for k in keys]
        missing = [i for i, f in enumerate(found) if f is None]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            with torch.no_grad():
                maps = self.backbone(x[missing])
            for j, i in enumerate(missing):
                found[i] = tuple(m[j].cpu().clone() for m in maps)
                self._write(keys[i], found[i])
        return tuple(
            torch.stack([f[level] for f in found]).to(x.device)
            for level in range(len(found[0])))
