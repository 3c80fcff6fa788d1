"""Attribute predictions for new images, in the style of mmpretrain's inferencers."""
import os
import os.path as osp
from typing import Callable, List, Optional, Union

import numpy as np
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmpretrain.apis.base import BaseInferencer
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from ..datasets.schema import task_slices
from ..utils.checkpoint_loading import trusted_checkpoints
from ..evaluation.thresholds import (binarize, evaluator_thresholds,
                                     load_thresholds, threshold_for)

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def expand_inputs(inputs) -> list:
    """An image, a folder (its images, sorted), a ``.txt`` list file (one
    path per line) or a list of paths / arrays -> a flat list."""
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    if isinstance(inputs, str) and osp.isdir(inputs):
        return sorted(osp.join(inputs, f) for f in os.listdir(inputs)
                      if f.lower().endswith(IMAGE_EXTENSIONS))
    if isinstance(inputs, str) and inputs.lower().endswith('.txt'):
        with open(inputs, encoding='utf-8-sig') as f:
            return [line.strip() for line in f if line.strip()]
    return [inputs]


class AttributeInferencer(BaseInferencer):
    """Predict every attribute of fashion images.

    Args:
        model (str | Config): Config file (or object) of a trained model.
        pretrained (str): Its checkpoint.
        device (str, optional): e.g. ``'cuda'``; default CPU or as given.
        thresholds (float | dict | str, optional): Multi-label thresholds:
            one value, per task, or a file from
            ``tools/analysis_tools/calibrate_thresholds.py``. Default: those of
            the config's ``test_evaluator`` (so results agree with
            ``tools/test.py``), else 0.5.

    Each result: ``img_path``, ``attributes`` (task -> predicted values with
    scores, best first; single-label tasks give their top value) and
    ``scores`` (task -> value -> score). Per-category allowed values are
    applied by the head when the config enables ``value_masks``.

    Example:
        >>> inferencer = AttributeInferencer('configs/...py', 'epoch_12.pth')
        >>> inferencer('shirt.jpg')[0]['attributes']['neck_type']
        [{'value': 'collar', 'score': 0.91}]
    """

    def __init__(self, model: Union[str, Config], pretrained: str,
                 device: Optional[str] = None, thresholds=None, **kwargs):
        with trusted_checkpoints():  # a full training checkpoint
            super().__init__(model, pretrained, device, **kwargs)
        if thresholds is None:
            thresholds = evaluator_thresholds(
                self.config.get('test_evaluator'))
        self.thresholds = load_thresholds(thresholds)
        self.model.head.thresholds = self.thresholds  # pred_label agrees
        self.tasks = self._tasks()

    def _tasks(self) -> List[dict]:
        meta = getattr(self.model, 'dataset_meta', None) or {}
        if 'tasks' in meta:
            return meta['tasks']
        return [dict(name=t['name'], multi_label=t['multi_label'],
                     classes=t.get('classes', [str(i) for i in range(
                         t['num_classes'])])) for t in self.model.head.tasks]

    def _init_pipeline(self, cfg: Config) -> Callable:
        return Compose([TRANSFORMS.build(t)
                        for t in cfg.test_dataloader.dataset.pipeline])

    def _inputs_to_list(self, inputs) -> list:
        return expand_inputs(inputs)

    def preprocess(self, inputs: list, batch_size: int = 1):

        def to_results(item):
            if isinstance(item, np.ndarray):  # already decoded (BGR)
                return dict(img=item, img_shape=item.shape[:2],
                            ori_shape=item.shape[:2])
            return dict(img_path=item)

        pipeline = self.pipeline
        if any(isinstance(x, np.ndarray) for x in inputs):
            pipeline = Compose([t for t in self.pipeline.transforms
                                if 'Load' not in type(t).__name__])
        data = (pipeline(to_results(x)) for x in inputs)
        yield from map(default_collate, self._get_chunk_data(data,
                                                             batch_size))

    def postprocess(self, preds: List[DataSample], visualization,
                    return_datasamples: bool = False) -> list:
        if return_datasamples:
            return preds
        results = []
        for sample in preds:
            score = sample.pred_score.cpu().numpy()
            result = dict(img_path=sample.get('img_path'), attributes={},
                          scores={})
            for task, sl in zip(self.tasks, task_slices(self.tasks)):
                task_score = score[sl]
                chosen = binarize(task_score[None], task['multi_label'],
                                  threshold_for(self.thresholds,
                                                task['name']))[0]
                order = np.argsort(-task_score)
                result['attributes'][task['name']] = [
                    dict(value=task['classes'][k],
                         score=round(float(task_score[k]), 4))
                    for k in order if chosen[k]]
                result['scores'][task['name']] = {
                    c: round(float(s), 4)
                    for c, s in zip(task['classes'], task_score)}
            results.append(result)
        return results
