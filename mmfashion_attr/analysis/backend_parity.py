"""How far a deployment backend's answers are from PyTorch's on the same
images: per-attribute micro F1 of both (the evaluator's own metric), top-1
agreement, score differences, against bounds (tools/analysis_tools/
backend_parity.py; own code: no runtime reports parity in our metric)."""
from typing import Dict, List, Optional

import numpy as np

from ..datasets.schema import task_slices
from ..evaluation.attribute_f1 import AttributeF1
from ..evaluation.thresholds import binarize, threshold_for

# default bound on |F1 difference| per attribute, by the backend's precision
F1_TOLERANCE = {'fp32': 0.005, 'int8': 0.01}


def attribute_f1(tasks: List[dict], scores: np.ndarray, gts: np.ndarray,
                 masks: np.ndarray, thresholds) -> Dict[str, float]:
    """Attribute -> micro F1 on its labelled samples (attributes without
    one left out), by :class:`AttributeF1` with ``thresholds``."""
    metric = AttributeF1(thresholds=thresholds, log_table=False)
    metric.dataset_meta = dict(tasks=tasks)
    metric.process(None, [dict(pred_score=s, gt_attr=g, gt_attr_mask=m)
                          for s, g, m in zip(scores, gts, masks)])
    metrics = metric.compute_metrics(metric.results)
    return {t['name']: metrics[f'{t["name"]}/f1_micro'] for t in tasks
            if f'{t["name"]}/f1_micro' in metrics}


def parity_report(tasks: List[dict], reference: np.ndarray,
                  backend: np.ndarray, gts: np.ndarray, masks: np.ndarray,
                  thresholds, f1_tolerance: float,
                  score_tolerance: Optional[float] = None,
                  min_agreement: Optional[float] = None) -> dict:
    """The backend's scores against the reference's (PyTorch fp32).

    Args:
        tasks: ``[dict(name, multi_label, classes)]`` in score order.
        reference, backend: scores ``(N, C)`` of the same images.
        gts, masks: labels ``(N, C)`` and labelled tasks ``(N, T)``.
        thresholds: multi-label thresholds (the evaluator's).
        f1_tolerance: largest allowed |F1 difference| per attribute.
        score_tolerance, min_agreement: optional bounds on the largest
            |score difference| and on each single-label attribute's top-1
            agreement.

    Returns:
        dict: ``attributes`` (per attribute: ``support``, ``f1_pytorch``,
        ``f1_backend``, ``abs_f1_diff``, ``max_abs_score_diff``, and for
        single-label ones ``top1_agreement``: the share of images whose
        chosen value is the same, none included), ``max_abs_score_diff``,
        ``max_abs_f1_diff``, ``min_top1_agreement``, ``bounds``, ``broken``
        (one line per bound broken) and ``passed``.
    """
    if reference.shape != backend.shape:
        raise ValueError(f'scores of shapes {reference.shape} and '
                         f'{backend.shape}')
    f1_ref = attribute_f1(tasks, reference, gts, masks, thresholds)
    f1_new = attribute_f1(tasks, backend, gts, masks, thresholds)
    rows, broken = {}, []
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        name = task['name']
        row = dict(support=int(masks[:, i].sum()),
                   max_abs_score_diff=float(np.abs(
                       reference[:, sl] - backend[:, sl]).max()))
        if name in f1_ref:
            row.update(f1_pytorch=f1_ref[name], f1_backend=f1_new[name],
                       abs_f1_diff=abs(f1_new[name] - f1_ref[name]))
            if row['abs_f1_diff'] > f1_tolerance:
                broken.append(f'{name}: |F1 difference| '
                              f'{row["abs_f1_diff"]:.4f} > {f1_tolerance}')
        if not task['multi_label']:
            threshold = threshold_for(thresholds, name)
            same = (binarize(reference[:, sl], False, threshold) ==
                    binarize(backend[:, sl], False, threshold)).all(1)
            row['top1_agreement'] = float(same.mean())
            if min_agreement is not None and \
                    row['top1_agreement'] < min_agreement:
                broken.append(f'{name}: top-1 agreement '
                              f'{row["top1_agreement"]:.4f} < {min_agreement}')
        rows[name] = row
    max_diff = float(np.abs(reference - backend).max())
    if score_tolerance is not None and max_diff > score_tolerance:
        broken.append(f'max |score difference| {max_diff:.2e} > '
                      f'{score_tolerance}')
    agreements = [r['top1_agreement'] for r in rows.values()
                  if 'top1_agreement' in r]
    return dict(
        images=int(len(reference)), attributes=rows,
        max_abs_score_diff=max_diff,
        max_abs_f1_diff=max((r['abs_f1_diff'] for r in rows.values()
                             if 'abs_f1_diff' in r), default=0.0),
        min_top1_agreement=min(agreements, default=None),
        bounds=dict(f1_tolerance=f1_tolerance,
                    score_tolerance=score_tolerance,
                    min_agreement=min_agreement),
        broken=broken, passed=not broken)


def format_report(report: dict) -> str:
    """The report as a table: attribute, support, both F1, |ΔF1|, top-1
    agreement, max |Δscore|; then the verdict."""
    rows = report['attributes']
    width = max([len(n) for n in rows] + [9])
    lines = [f'{"attribute":<{width}} {"support":>7} {"F1 pytorch":>10} '
             f'{"F1 backend":>10} {"|dF1|":>7} {"top-1 agree":>11} '
             f'{"max |dscore|":>12}']

    def cell(row, key, fmt, size):
        return f'{row[key]:{size}{fmt}}' if row.get(key) is not None \
            else f'{"-":>{size}}'

    for name, row in rows.items():
        lines.append(
            f'{name:<{width}} {row["support"]:>7d} '
            f'{cell(row, "f1_pytorch", ".4f", 10)} '
            f'{cell(row, "f1_backend", ".4f", 10)} '
            f'{cell(row, "abs_f1_diff", ".4f", 7)} '
            f'{cell(row, "top1_agreement", ".4f", 11)} '
            f'{cell(row, "max_abs_score_diff", ".2e", 12)}')
    lines.append(f'{report["images"]} images; max |F1 difference| '
                 f'{report["max_abs_f1_diff"]:.4f} (bound '
                 f'{report["bounds"]["f1_tolerance"]}), max |score '
                 f'difference| {report["max_abs_score_diff"]:.2e}')
    lines += [f'BROKEN: {b}' for b in report['broken']]
    lines.append('PASSED' if report['passed'] else 'FAILED')
    return '\n'.join(lines)
