"""Multi-label score thresholds: one source for the metric, ``pred_label``
(head, TTA, ``--out`` dumps, ``--show-dir``) and the inferencer."""
import json
from typing import Dict, Union

import numpy as np

Thresholds = Union[float, Dict[str, float]]
FALLBACK = '*'  # key of a thresholds dict: the threshold of unlisted tasks


class CalibratedThresholds(dict):
    """A ``{task: threshold}`` dict that also carries the ``auto_accept``
    section of its file (:mod:`.auto_accept`), or None."""

    auto_accept = None


def load_thresholds(thresholds) -> Thresholds:
    """A float, a ``{task: threshold}`` dict (key ``'*'``: the threshold of
    tasks not listed, else 0.5), or a calibrate_thresholds.py JSON file
    (its ``default`` becomes the ``'*'`` entry; its ``auto_accept``
    section, when it has one, rides along as the result's ``auto_accept``
    attribute); strings as given on a command line: ``'0.3'`` or a file
    path."""
    if isinstance(thresholds, str):
        try:
            return float(thresholds)
        except ValueError:
            pass
        with open(thresholds, encoding='utf-8') as f:
            saved = json.load(f)
        loaded = {k: float(v) for k, v in saved['thresholds'].items()}
        if 'default' in saved:
            loaded.setdefault(FALLBACK, float(saved['default']))
        if saved.get('auto_accept') is not None:
            loaded = CalibratedThresholds(loaded)
            loaded.auto_accept = saved['auto_accept']
        return loaded
    if isinstance(thresholds, dict):
        loaded = {k: float(v) for k, v in thresholds.items()}
        if getattr(thresholds, 'auto_accept', None) is not None:
            loaded = CalibratedThresholds(loaded)
            loaded.auto_accept = thresholds.auto_accept
        return loaded
    return float(thresholds)


def threshold_for(thresholds: Thresholds, task: str) -> float:
    """The threshold of ``task``: per-task dict (then its ``'*'`` entry,
    then 0.5) or one value."""
    if isinstance(thresholds, dict):
        return float(thresholds.get(task, thresholds.get(FALLBACK, 0.5)))
    return float(thresholds)


def evaluator_thresholds(evaluator, default=0.5):
    """Thresholds of the ``AttributeF1`` in an evaluator config or object
    (a dict, a list of dicts, an ``Evaluator``); ``default`` if it has none."""
    metrics = getattr(evaluator, 'metrics', evaluator)
    if isinstance(metrics, dict):
        metrics = [metrics]
    for metric in metrics or []:
        if isinstance(metric, dict):
            if str(metric.get('type', '')).endswith('AttributeF1'):
                return metric.get('thresholds', 0.5)
        elif type(metric).__name__ == 'AttributeF1':
            return metric.thresholds
    return default


def binarize(scores: np.ndarray, multi_label: bool, threshold: float):
    """Scores ``(N, C)`` of one task -> bool predictions: above threshold, or
    for single-label tasks the top value (none where every score is 0, i.e.
    the task does not apply to the predicted category)."""
    if multi_label:
        return scores >= threshold
    pred = np.zeros_like(scores, dtype=bool)
    pred[np.arange(len(scores)), scores.argmax(1)] = scores.max(1) > 0
    return pred
