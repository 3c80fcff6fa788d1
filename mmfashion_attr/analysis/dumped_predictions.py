"""Reading what ``tools/test.py --out`` dumps, for the analysis tools that
work on it without the model (``tools/analysis_tools/eval_metric.py``,
``confusion_matrix.py``, ``analyze_results.py``).

The dump is mmengine's ``DumpResults`` output: a list with one dict per
test image, the data sample as the evaluator saw it. An attribute
classifier's carry ``pred_score`` (all tasks' values, flat),
``gt_attr`` (the same layout, 0/1), ``gt_attr_mask`` (one flag per task:
labelled or not) and ``img_path``.
"""
from typing import List, NamedTuple

import mmengine
import numpy as np
from mmengine.registry import DATASETS, DefaultScope

from ..errors import UserValueError

ATTRIBUTE_KEYS = ('pred_score', 'gt_attr', 'gt_attr_mask')


class AttributePredictions(NamedTuple):
    """An attribute classifier's dumped predictions as arrays.

    Attributes:
        scores (np.ndarray): ``(N, C)`` float scores, every task's values.
        gts (np.ndarray): ``(N, C)`` bool ground truth.
        masks (np.ndarray): ``(N, T)`` bool, task labelled.
        img_paths (list[str]): The image of each row ('' where not dumped).
    """
    scores: np.ndarray
    gts: np.ndarray
    masks: np.ndarray
    img_paths: List[str]


def load_dumped_predictions(path: str) -> List[dict]:
    """The list of per-image dicts that ``tools/test.py --out`` wrote.

    Args:
        path (str): The pickle.

    Raises:
        UserValueError: The file holds something else (e.g. the metrics
            dict of ``--out-item metrics``) or no prediction.
    """
    preds = mmengine.load(path, file_format='pkl')
    if isinstance(preds, dict):
        raise UserValueError(
            f'{path}: a dict ({", ".join(map(str, list(preds)[:3]))}, ...), '
            'not predictions: write them with tools/test.py --out FILE '
            '(without --out-item metrics)')
    if not isinstance(preds, (list, tuple)) or not all(
            isinstance(p, dict) for p in preds):
        raise UserValueError(f'{path}: expected the list of per-image dicts '
                             'that tools/test.py --out writes, got '
                             f'{type(preds).__name__}')
    if not preds:
        raise UserValueError(f'{path}: no predictions')
    return list(preds)


def _array(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def attribute_predictions(preds: List[dict], path: str,
                          tasks: List[dict]) -> AttributePredictions:
    """Stack an attribute classifier's dumped predictions.

    Args:
        preds (list[dict]): From :func:`load_dumped_predictions`.
        path (str): The pickle, for messages.
        tasks (list[dict]): The config's tasks (``classes`` each).

    Raises:
        UserValueError: The predictions are not an attribute classifier's
            (a detector's or M2Fashion's) or not of this config's tasks.
    """
    missing = [k for k in ATTRIBUTE_KEYS if k not in preds[0]]
    if missing:
        raise UserValueError(
            f'{path}: the predictions have no {", ".join(missing)} (keys: '
            f'{", ".join(sorted(preds[0]))}); this tool reads an attribute '
            "classifier's (AttributeF1's) predictions; use eval_metric.py "
            "for a detector's or M2Fashion's")
    scores = np.stack([_array(p['pred_score']) for p in preds])
    gts = np.stack([_array(p['gt_attr']) for p in preds]).astype(bool)
    masks = np.stack([_array(p['gt_attr_mask']) for p in preds]).astype(bool)
    num_values = sum(len(t['classes']) for t in tasks)
    if scores.shape[1] != num_values or gts.shape != scores.shape or \
            masks.shape[1] != len(tasks):
        raise UserValueError(
            f'{path}: {scores.shape[1]} scores and {masks.shape[1]} label '
            f'flags per image, but the config has {len(tasks)} tasks of '
            f'{num_values} values: predictions of another model')
    return AttributePredictions(scores, gts, masks,
                                [str(p.get('img_path', '')) for p in preds])


def dataset_meta(cfg, split: str = 'test', full_init: bool = False) -> dict:
    """``metainfo`` of a config's dataset (built without pipeline, in the
    config's default scope).

    Args:
        cfg (Config): The config.
        split (str): Which dataloader's dataset. Default: 'test'.
        full_init (bool): Load the annotations too: some datasets (the
            Fashionpedia instances) fill their meta from them. Default:
            False (the attribute datasets know their tasks from the schema).
    """
    scope = cfg.get('default_scope', None) or 'mmpretrain'
    with DefaultScope.overwrite_default_scope(scope):
        dataset = DATASETS.build(dict(cfg[f'{split}_dataloader'].dataset,
                                      pipeline=[], lazy_init=not full_init))
    return dict(dataset.metainfo)


def attribute_tasks(cfg, config_path: str) -> List[dict]:
    """The tasks (``name``, ``classes``, ``multi_label``) of the config's
    test dataset.

    Raises:
        UserValueError: Its dataset has no attribute tasks.
    """
    tasks = dataset_meta(cfg).get('tasks')
    if not tasks:
        raise UserValueError(
            f'{config_path}: its test dataset has no attribute tasks '
            "(dataset_meta['tasks']); this tool is for attribute "
            "classifiers (AttributeF1); use eval_metric.py for a detector's "
            "or M2Fashion's predictions")
    return tasks
