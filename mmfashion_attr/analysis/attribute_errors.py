"""Where an attribute classifier goes wrong, attribute by attribute, from
its dumped predictions (``tools/test.py --out``): confusion matrices of
the single-label attributes, per-value TP / FP / FN of the multi-label
ones, and the images it gets right and wrong most confidently.

Own code: mmpretrain's ``ConfusionMatrix`` and ``analyze_results.py``
assume one flat ``gt_label`` per image; here each attribute is judged on
its own values, on the images where it is labelled, with the predictions
``AttributeF1`` makes (``binarize``: top value, or scores from the
attribute's threshold).
"""
import re
from typing import Dict, List, NamedTuple, Sequence

import numpy as np

from ..datasets.schema import task_slices
from ..evaluation.attribute_f1 import prf
from ..evaluation.thresholds import Thresholds, binarize, threshold_for
from .dumped_predictions import AttributePredictions

# the predicted "value" of a single-label attribute whose scores are all 0:
# the model's category is one the attribute does not apply to
NOT_APPLICABLE = '(not applicable)'


def safe_file_name(name: str) -> str:
    """An attribute name as a file or folder name (runs of characters
    other than letters, digits, ``_``, ``.`` and ``-`` become ``_``)."""
    return re.sub(r'[^\w.-]+', '_', name).strip('.') or 'attribute'


def confusion_matrix(scores: np.ndarray, gts: np.ndarray) -> np.ndarray:
    """Counts of a single-label attribute: row = true value, column =
    predicted value (the top score), last column = predicted not
    applicable (every score 0).

    Args:
        scores (np.ndarray): ``(N, K)`` scores of its values.
        gts (np.ndarray): ``(N, K)`` bool, one true value per row.

    Returns:
        np.ndarray: ``(K, K + 1)`` int64.
    """
    num = scores.shape[1]
    true = gts.argmax(1)
    predicted = np.where(scores.max(1) > 0, scores.argmax(1), num)
    matrix = np.zeros((num, num + 1), np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def value_counts(scores: np.ndarray, gts: np.ndarray,
                 threshold: float) -> Dict[str, np.ndarray]:
    """Per value of a multi-label attribute: ``tp``, ``fp``, ``fn`` (values
    predicted from ``threshold``), each ``(K,)`` int64."""
    pred = binarize(scores, True, threshold)
    return dict(tp=(pred & gts).sum(0), fp=(pred & ~gts).sum(0),
                fn=(~pred & gts).sum(0))


def labelled_rows(preds: AttributePredictions, index: int, sl: slice,
                  multi_label: bool) -> np.ndarray:
    """Rows where the task is labelled (for a single-label task: with a
    true value)."""
    keep = preds.masks[:, index].copy()
    if not multi_label:
        keep &= preds.gts[:, sl].any(1)
    return keep


def attribute_confusion(preds: AttributePredictions, tasks: List[dict],
                        thresholds: Thresholds) -> Dict[str, dict]:
    """Per attribute with a labelled image, in task order.

    Single-label: ``dict(multi_label=False, support, true, predicted,
    matrix)`` (``true`` / ``predicted``: the row and column names;
    ``predicted`` ends with :data:`NOT_APPLICABLE` only when some image
    got it). Multi-label: ``dict(multi_label=True, support, threshold,
    values={value: dict(tp, fp, fn, precision, recall, f1)})``.

    Args:
        preds (AttributePredictions): The stacked predictions.
        tasks (list[dict]): ``name``, ``classes``, ``multi_label``.
        thresholds (Thresholds): As ``AttributeF1``'s.
    """
    out = {}
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        multi = bool(task['multi_label'])
        keep = labelled_rows(preds, i, sl, multi)
        if not keep.any():
            continue
        scores, gts = preds.scores[keep, sl], preds.gts[keep, sl]
        classes = [str(c) for c in task['classes']]
        if multi:
            threshold = threshold_for(thresholds, task['name'])
            counts = value_counts(scores, gts, threshold)
            p, r, f1 = prf(counts['tp'], counts['fp'], counts['fn'])
            values = {name: dict(tp=int(counts['tp'][j]),
                                 fp=int(counts['fp'][j]),
                                 fn=int(counts['fn'][j]),
                                 precision=float(p[j]), recall=float(r[j]),
                                 f1=float(f1[j]))
                      for j, name in enumerate(classes)}
            out[task['name']] = dict(multi_label=True,
                                     support=int(keep.sum()),
                                     threshold=threshold, values=values)
        else:
            matrix = confusion_matrix(scores, gts)
            predicted = classes + [NOT_APPLICABLE]
            if not matrix[:, -1].any():
                matrix, predicted = matrix[:, :-1], classes
            out[task['name']] = dict(multi_label=False,
                                     support=int(keep.sum()), true=classes,
                                     predicted=predicted,
                                     matrix=matrix.tolist())
    return out


def judge(scores: np.ndarray, gts: np.ndarray, multi_label: bool,
          threshold: float):
    """Whether each image's prediction of one attribute is right, and how
    confident it is.

    Single-label: right when the top value is the true one; confidence =
    the top score (mmpretrain's ``analyze_results.py``'s). Multi-label:
    right when the predicted set is the true set (``AttributeF1``'s
    accuracy); confidence = the decision margin ``|score - threshold|``
    of the least sure value for a right prediction, of the surest wrong
    value for a wrong one.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(N,)`` bool right, ``(N,)``
        float confidence.
    """
    if not multi_label:
        pred = binarize(scores, False, threshold)
        right = (pred & gts).any(1)
        return right, scores.max(1).astype(np.float64)
    margin = np.abs(scores.astype(np.float64) - threshold)
    wrong = binarize(scores, True, threshold) != gts
    right = ~wrong.any(1)
    confidence = np.where(right, margin.min(1),
                          np.where(wrong, margin, -np.inf).max(1))
    return right, confidence


class Case(NamedTuple):
    """One image's prediction of one attribute.

    Attributes:
        index (int): Row in the dumped predictions.
        confidence (float): See :func:`judge`.
    """
    index: int
    confidence: float


class AttributeCases(NamedTuple):
    """One attribute's most confident predictions.

    Attributes:
        success (list[Case]): Right ones, most confident first.
        fail (list[Case]): Wrong ones, most confident first.
        right (int): Right predictions in all.
        wrong (int): Wrong predictions in all.
    """
    success: List[Case]
    fail: List[Case]
    right: int
    wrong: int


def confident_cases(preds: AttributePredictions, tasks: List[dict],
                    thresholds: Thresholds, topk: int,
                    attributes: Sequence[str] = ()
                    ) -> Dict[str, AttributeCases]:
    """Per attribute: the ``topk`` most confident right (``success``) and
    wrong (``fail``) predictions among its labelled images, most
    confident first (ties: dump order).

    Args:
        preds (AttributePredictions): The stacked predictions.
        tasks (list[dict]): ``name``, ``classes``, ``multi_label``.
        thresholds (Thresholds): As ``AttributeF1``'s.
        topk (int): Cases per attribute and kind.
        attributes (Sequence[str]): Only these (default: all).
    """
    out = {}
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        if attributes and task['name'] not in attributes:
            continue
        multi = bool(task['multi_label'])
        rows = np.flatnonzero(labelled_rows(preds, i, sl, multi))
        if not len(rows):
            continue
        right, confidence = judge(
            preds.scores[rows, sl], preds.gts[rows, sl], multi,
            threshold_for(thresholds, task['name']))
        ranked = []
        for chosen in (right, ~right):
            order = np.argsort(-confidence[chosen], kind='stable')[:topk]
            ranked.append([Case(int(rows[chosen][j]),
                                float(confidence[chosen][j]))
                           for j in order])
        out[task['name']] = AttributeCases(*ranked, right=int(right.sum()),
                                           wrong=int((~right).sum()))
    return out
