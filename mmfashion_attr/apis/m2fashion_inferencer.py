"""Predictions of an M2Fashion model for images, given what is known of
their attributes (e.g. what a seller filled in): the category and the top
attributes among the others.

Own class: mmpretrain's inferencers feed images only, and an M2Fashion
model also takes each image's known attribute states.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from .trained_model import init_trained_model


class M2FashionInferencer:
    """Category and attribute scores with some attribute states given.

    Args:
        config (str | Config): An M2Fashion config.
        checkpoint (str): Its trained checkpoint (carries the attribute and
            category names of its training data).
        device (str): ``'cpu'`` or ``'cuda'``.

    Example:
        >>> inferencer = M2FashionInferencer(CONFIG, CKPT)
        >>> inferencer(['dress.jpg'], known={'neck type v neck': 1})
    """

    def __init__(self, config: Union[str, Config], checkpoint: str,
                 device: str = 'cpu'):
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        self.model = init_trained_model(cfg, checkpoint, device)
        meta = getattr(self.model, '_dataset_meta', None) or {}  # get_model's
        if 'attributes' not in meta:
            raise ValueError(f'{checkpoint} carries no attribute names '
                             '(dataset_meta): train it with this plugin')
        self.classes, self.attributes = meta['classes'], meta['attributes']
        steps = [t for t in cfg.test_dataloader.dataset.pipeline
                 if t['type'] not in ('MaskAttributeStates', 'PackInputs')]
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            self.pipeline = Compose(steps + [dict(
                type='PackInputs', algorithm_keys=('known_states', ))])

    def states(self, known: Optional[Dict[str, int]]) -> np.ndarray:
        """The state vector of ``{attribute name: 1 | -1}``."""
        states = np.zeros(len(self.attributes), np.int8)
        for name, state in (known or {}).items():
            if name not in self.attributes:
                raise KeyError(f'unknown attribute {name!r}; the model has '
                               f'{len(self.attributes)} attributes, e.g. '
                               f'{self.attributes[:3]}')
            if state not in (1, -1):
                raise ValueError(f'{name!r}: state {state!r}, expected 1 '
                                 '(has it) or -1 (has it not)')
            states[self.attributes.index(name)] = state
        return states

    def __call__(self, images: Sequence[str],
                 known: Union[None, dict, List[Optional[dict]]] = None,
                 topk: int = 5) -> List[dict]:
        """Per image: ``category`` and ``attributes`` as ``[name, score]``
        lists (top ``topk``; the given attributes are not among them) and
        the ``given`` states."""
        if known is None or isinstance(known, dict):
            known = [known] * len(images)
        if len(known) != len(images):
            raise ValueError(f'{len(known)} known-attribute entries for '
                             f'{len(images)} images')
        items = [self.pipeline(dict(img_path=path,
                                    known_states=self.states(k)))
                 for path, k in zip(images, known)]
        with torch.no_grad():
            preds = self.model.test_step(pseudo_collate(items))
        return [dict(image=path, **self.format(pred, k, topk))
                for path, k, pred in zip(images, known, preds)]

    def format(self, pred, known: Optional[dict], topk: int = 5) -> dict:
        """One predicted sample -> ``category``, ``attributes`` (top
        ``topk`` ``[name, score]``, the given ones left out) and ``given``
        (also used by the HTTP service)."""
        cat = pred.pred_score.cpu().numpy()
        attr = pred.pred_attr_score.cpu().numpy().copy()
        attr[np.asarray(pred.known_states) != 0] = -np.inf
        return dict(
            category=[[self.classes[i], round(float(cat[i]), 4)]
                      for i in np.argsort(-cat)[:topk]],
            attributes=[[self.attributes[i], round(float(attr[i]), 4)]
                        for i in np.argsort(-attr)[:topk]
                        if np.isfinite(attr[i])],
            given=dict(known or {}))
