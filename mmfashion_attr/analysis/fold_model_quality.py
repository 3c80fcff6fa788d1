"""How far a label audit can trust its fold models, per attribute: their
out-of-fold accuracy and macro F1 against the seller labels beside the
majority baseline's, and a temperature that calibrates their scores so
that scores of different attributes can share one ranking.

Own code: cleanlab ranks within one task and assumes the scores are good;
it neither reports whether the model beats a constant answer nor puts
several tasks' label qualities on one scale.

The baseline answers, for each label, the most frequent seller value (or
value set, multi-label) among the labels of the same seller category (the
category task: over all rows), the strongest answer that ignores the
image; the audit's attribute scores are restricted to the category's
values the same way. ``skill = (accuracy - baseline accuracy) / (1 -
baseline accuracy)`` is the share of the baseline's disagreements the
model removes (0: no better than the baseline, 1: agrees with every
label). Flags of a model with little skill are mostly its own errors.
"""
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np

# temperatures tried when calibrating (log-spaced, 1 included)
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(16.0), 49))


def _macro_f1(truth: List[frozenset], pred: List[frozenset]) -> float:
    """Mean over the values present in ``truth`` of the value's F1 (sets of
    values per label: single-label tasks hold one each)."""
    values = sorted(set().union(*truth))
    f1 = []
    for v in values:
        tp = sum(v in t and v in p for t, p in zip(truth, pred))
        fp = sum(v not in t and v in p for t, p in zip(truth, pred))
        fn = sum(v in t and v not in p for t, p in zip(truth, pred))
        f1.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1)) if f1 else float('nan')


def majority_answers(labels: Sequence[frozenset],
                     groups: Sequence[str]) -> List[frozenset]:
    """Each label's baseline answer: the most frequent label of its group
    (ties: the first seen)."""
    counts: Dict[str, Counter] = defaultdict(Counter)
    for label, group in zip(labels, groups):
        counts[group][label] += 1
    best = {g: c.most_common(1)[0][0] for g, c in counts.items()}
    return [best[g] for g in groups]


def quality(labels: Sequence[frozenset], predicted: Sequence[frozenset],
            groups: Sequence[str], min_skill: float) -> dict:
    """Out-of-fold ``accuracy`` (the predicted value, or value set, equals
    the seller's) and ``macro_f1`` of ``predicted`` against ``labels``,
    the baseline's (``majority_accuracy``, ``majority_macro_f1``),
    ``skill`` and ``trusted`` (``skill >= min_skill``)."""
    labels, predicted = list(labels), list(predicted)
    base = majority_answers(labels, groups)
    acc = float(np.mean([p == t for p, t in zip(predicted, labels)]))
    base_acc = float(np.mean([b == t for b, t in zip(base, labels)]))
    skill = None if base_acc >= 1 else (acc - base_acc) / (1 - base_acc)
    return dict(accuracy=round(acc, 4), macro_f1=round(_macro_f1(
        labels, predicted), 4), majority_accuracy=round(base_acc, 4),
        majority_macro_f1=round(_macro_f1(labels, base), 4),
        skill=None if skill is None else round(skill, 4),
        trusted=skill is not None and skill >= min_skill)


def fit_temperature(probs: np.ndarray, labels: np.ndarray,
                    multi_label: bool, allowed: np.ndarray) -> float:
    """The temperature (of :data:`TEMPERATURES`) minimising the negative
    log-likelihood of the seller labels under ``probs`` rescaled by it:
    softmax rows (``labels``: value index per row) or independent
    sigmoids (``labels``: 0/1 matrix, only the ``allowed`` entries
    counted). Seller labels hold the errors being looked for; at a few
    percent they move the fit little."""
    best, best_nll = 1.0, np.inf
    for t in TEMPERATURES:
        scaled = apply_temperature(probs, t, multi_label, allowed)
        if multi_label:
            p = np.clip(np.where(labels > 0, scaled, 1 - scaled), 1e-12, 1)
            nll = -np.log(p[allowed]).mean()
        else:
            p = np.clip(scaled[np.arange(len(labels)), labels], 1e-12, 1)
            nll = -np.log(p).mean()
        if nll < best_nll - 1e-12:
            best, best_nll = float(t), nll
    return best


def apply_temperature(probs: np.ndarray, temperature: float,
                      multi_label: bool, allowed: np.ndarray) -> np.ndarray:
    """``probs`` with their logits divided by ``temperature``: each row
    renormalised (softmax) or each entry on its own (sigmoid); entries
    not ``allowed`` stay 0."""
    p = np.clip(probs, 1e-12, 1 - 1e-12)
    if multi_label:
        logit = np.log(p) - np.log1p(-p)
        return np.where(allowed, 1 / (1 + np.exp(-logit / temperature)), 0.)
    scaled = np.where(allowed & (probs > 0),
                      np.exp(np.log(p) / temperature), 0.0)
    total = scaled.sum(1, keepdims=True)
    return np.where(total > 0, scaled / np.maximum(total, 1e-300), probs)


def warning(name: str, q: dict, min_skill: float) -> Optional[str]:
    """The line the audit shows for an attribute whose fold model is not
    trusted, else None."""
    if q['trusted']:
        return None
    if q['skill'] is None:
        return (f'{name}: every label has the same value within its '
                'category; the model cannot be told from the baseline, '
                'its flags are ranked after the trusted attributes')
    return (f'{name}: the fold model is not clearly better than the '
            f'majority baseline (accuracy {q["accuracy"]:.3f} against '
            f'{q["majority_accuracy"]:.3f}, skill {q["skill"]:.2f} < '
            f'{min_skill}): its flags are near random and ranked after '
            'the trusted attributes')
