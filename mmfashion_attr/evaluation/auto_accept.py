"""Auto-accept at a chosen precision: per attribute value, the lowest score
threshold whose validation precision is, with a stated confidence, at least
a target (a one-sided Wilson score lower bound), and the ``auto`` /
``review`` decision it gives each predicted value.

A value is *auto-accepted* when it is predicted (multi-label: its score
reaches the task's prediction threshold; single-label: it is the top value)
and its score reaches its auto threshold; every other predicted value is
``review``. Calibration only considers thresholds at or above the
prediction threshold, so the precision measured on validation is the
precision of exactly the values that will be auto-accepted. Values whose
bound never reaches the target get no auto threshold (``None``): always
review.

The thresholds JSON of ``tools/analysis_tools/calibrate_thresholds.py
--target-precision`` keeps them beside the F1 thresholds::

    {"thresholds": {...}, "default": 0.5, "details": {...},
     "auto_accept": {"target_precision": 0.95, "confidence": 0.95,
                     "bound": "wilson_lower_one_sided",
                     "values": {task: {value: threshold or null}},
                     "details": {task: {...}}}}

:func:`~.thresholds.load_thresholds` carries the ``values`` along
(``thresholds.auto_accept``), so whatever is given that file (the
inferencer, ``tools/infer_catalog.py``, ``demo/image_demo.py``) marks each
predicted value.
"""
from statistics import NormalDist
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..datasets.schema import task_slices
from ..errors import UserValueError
from .thresholds import binarize, threshold_for

BOUND = 'wilson_lower_one_sided'
AUTO, REVIEW = 'auto', 'review'


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise UserValueError(f'confidence {confidence}: give a probability '
                             'strictly between 0 and 1 (e.g. 0.95)')
    return NormalDist().inv_cdf(confidence)


def wilson_bounds(successes, n, confidence: float = 0.95):
    """One-sided Wilson score bounds ``(lower, upper)`` of a proportion:
    the true proportion is at least ``lower`` (at most ``upper``) with
    probability ``confidence`` (``z = Phi^-1(confidence)``, so
    ``confidence=0.975`` gives the ends of the usual two-sided 95 %
    interval). Arrays broadcast; ``n == 0`` gives ``(0, 1)``."""
    z = _z(confidence)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid='ignore', divide='ignore'):
        p = np.where(n > 0, k / n, 0.)
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lower = np.where(n > 0, np.clip(centre - half, 0, 1), 0.)
        upper = np.where(n > 0, np.clip(centre + half, 0, 1), 1.)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


def wilson_lower_bound(successes, n, confidence: float = 0.95):
    """The lower end of :func:`wilson_bounds`."""
    return wilson_bounds(successes, n, confidence)[0]


def check_target(target: float) -> float:
    if not 0 < target < 1:
        raise UserValueError(f'target precision {target}: give a '
                             'probability strictly between 0 and 1 '
                             '(e.g. 0.95)')
    return float(target)


def choose_threshold(scores: np.ndarray, correct: np.ndarray,
                     target: float, confidence: float = 0.95,
                     floor: float = -np.inf) -> dict:
    """The lowest threshold ``t >= floor`` (among the scores themselves)
    such that the values with ``score >= t`` have a Wilson lower bound of
    precision ``>= target``.

    Args:
        scores: ``(N,)`` score of each candidate (a predicted value).
        correct: ``(N,)`` whether that value is the image's label.
        floor: Scores below it are never accepted (the prediction
            threshold).

    Returns: ``dict(threshold, precision, lower_bound, n)``: at the chosen
    threshold, or when none reaches the target ``threshold=None`` and the
    figures of accepting every candidate ``>= floor`` (``n`` may be 0).
    """
    check_target(target)
    scores = np.asarray(scores, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    keep = scores >= floor
    s, c = scores[keep], correct[keep]
    order = np.argsort(-s, kind='stable')
    s, c = s[order], c[order]
    if not len(s):
        return dict(threshold=None, precision=None, lower_bound=0.0, n=0)
    n = np.arange(1, len(s) + 1)
    tp = np.cumsum(c)
    # a threshold accepts every tied score: cut only after a group's last
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    lower = wilson_lower_bound(tp[ends], n[ends], confidence)
    ok = np.flatnonzero(lower >= target)
    i = ends[ok[-1]] if len(ok) else ends[-1]  # lowest passing threshold
    return dict(threshold=float(s[i]) if len(ok) else None,
                precision=float(tp[i] / n[i]),
                lower_bound=float(lower[ok[-1]] if len(ok) else lower[-1]),
                n=int(n[i]))


def predicted_values(task_scores: np.ndarray, multi_label: bool,
                     threshold: float) -> np.ndarray:
    """``(N, C)`` bool: the values predicted (as :func:`.binarize`)."""
    return binarize(task_scores, multi_label, threshold)


def calibrate_auto_accept(scores: np.ndarray, gts: np.ndarray,
                          masks: np.ndarray, tasks: List[dict], thresholds,
                          target: float, confidence: float = 0.95) -> dict:
    """Auto thresholds of every task's values on validation predictions.

    Args:
        scores, gts, masks: As from
            ``analysis.threshold_calibration.stack_predictions``.
        thresholds: The prediction thresholds (a float or a per-task
            dict): multi-label auto thresholds are never below them.

    Returns: the ``auto_accept`` section of a thresholds file (see the
    module's doc): ``values`` task -> value -> threshold or None, and
    ``details`` task -> ``dict(labelled, coverage, values={value:
    dict(threshold, precision, lower_bound, n, coverage)})``; ``coverage``:
    the share of the task's labelled images where the value (for the task:
    at least one value) is auto-accepted.
    """
    check_target(target)
    _z(confidence)
    values, details = {}, {}
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        keep = masks[:, i].astype(bool)
        if not keep.any():
            continue
        s, g = scores[keep, sl], gts[keep, sl].astype(bool)
        thr = threshold_for(thresholds, task['name'])
        pred = predicted_values(s, task['multi_label'], thr)
        accepted = np.zeros_like(pred)
        rows = {}
        for k, value in enumerate(task['classes']):
            chosen = pred[:, k]
            r = choose_threshold(s[chosen, k], g[chosen, k], target,
                                 confidence)
            if r['threshold'] is not None:
                accepted[:, k] = chosen & (s[:, k] >= r['threshold'])
            r['coverage'] = float(accepted[:, k].mean())
            rows[value] = r
        values[task['name']] = {v: r['threshold'] for v, r in rows.items()}
        details[task['name']] = dict(
            multi_label=bool(task['multi_label']),
            prediction_threshold=thr if task['multi_label'] else None,
            labelled=int(keep.sum()),
            coverage=float(accepted.any(1).mean()), values=rows)
    return dict(target_precision=float(target), confidence=float(confidence),
                bound=BOUND, values=values, details=details)


def auto_thresholds(thresholds) -> Optional[Dict[str, Dict[str, float]]]:
    """The auto thresholds (task -> value -> threshold or None) that
    :func:`~.thresholds.load_thresholds` carried along, else None."""
    auto = getattr(thresholds, 'auto_accept', None)
    return None if auto is None else auto.get('values', {})


def decide(task_scores: np.ndarray, chosen: np.ndarray, task: dict,
           auto: Dict[str, Dict[str, float]]) -> np.ndarray:
    """``(..., C)`` bool: the chosen (predicted) values that are
    auto-accepted: score at or above their auto threshold."""
    per_value = auto.get(task['name'], {})
    limits = np.array([np.inf if per_value.get(v) is None else
                       float(per_value[v]) for v in task['classes']])
    return np.asarray(chosen, bool) & (task_scores >= limits)


def auto_accept_outcome(scores: np.ndarray, gts: np.ndarray,
                        masks: np.ndarray, tasks: List[dict], thresholds,
                        auto: Dict[str, Dict[str, float]],
                        confidence: float = 0.95) -> Dict[str, dict]:
    """What the auto thresholds do on (held-out) predictions, per task:
    ``dict(labelled, accepted, correct, precision, lower_bound,
    upper_bound, coverage)`` over the task's labelled images: auto-accepted
    values, how many are the label, their precision with its one-sided
    Wilson bounds at ``confidence``, and the share of images with at least
    one auto-accepted value. Also ``'all'``: every task pooled (coverage:
    the mean of the tasks')."""
    out = {}
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        keep = masks[:, i].astype(bool)
        if not keep.any():
            continue
        s, g = scores[keep, sl], gts[keep, sl].astype(bool)
        pred = predicted_values(s, task['multi_label'],
                                threshold_for(thresholds, task['name']))
        acc = decide(s, pred, task, auto)
        out[task['name']] = _outcome(int(acc.sum()), int((acc & g).sum()),
                                     int(keep.sum()),
                                     float(acc.any(1).mean()), confidence)
    if out:
        out['all'] = _outcome(
            sum(r['accepted'] for r in out.values()),
            sum(r['correct'] for r in out.values()),
            sum(r['labelled'] for r in out.values()),
            float(np.mean([r['coverage'] for r in out.values()])),
            confidence)
    return out


def _outcome(accepted, correct, labelled, coverage, confidence) -> dict:
    lower, upper = wilson_bounds(correct, accepted, confidence)
    return dict(labelled=labelled, accepted=accepted, correct=correct,
                precision=correct / accepted if accepted else None,
                lower_bound=lower, upper_bound=upper, coverage=coverage)


def mark(values: Sequence[dict], task_scores: np.ndarray,
         chosen: np.ndarray, task: dict,
         auto: Dict[str, Dict[str, float]]) -> None:
    """Add ``decision`` (``'auto'`` / ``'review'``) to each formatted value
    (``dict(value, score)``) of one image's task, in place."""
    accepted = decide(task_scores, chosen, task, auto)
    index = {c: k for k, c in enumerate(task['classes'])}
    for v in values:
        v['decision'] = AUTO if accepted[index[v['value']]] else REVIEW


def check_auto_accept(auto: Optional[Dict[str, Dict[str, float]]],
                      tasks: List[dict], source: str = 'thresholds') -> None:
    """Refuse auto thresholds naming a task or value the model does not
    predict (a file calibrated for another schema would otherwise mark
    every value ``review``, or the wrong ones)."""
    if auto is None:
        return
    known = {t['name']: set(t['classes']) for t in tasks}
    for name, values in auto.items():
        if name not in known:
            raise UserValueError(
                f'{source}: auto-accept thresholds for task {name!r}, which '
                f'this model does not predict (it has {sorted(known)}); '
                'calibrate them on this model\'s predictions')
        unknown = sorted(set(values) - known[name])
        if unknown:
            raise UserValueError(
                f'{source}: auto-accept thresholds for {name} values '
                f'{unknown}, which this model does not have; calibrate them '
                'on this model\'s predictions')
