"""Auto-accept thresholds chosen on validation predictions and what they
give on held-out ones (``tools/analysis_tools/calibrate_thresholds.py
--target-precision``, ``tools/analysis_tools/auto_accept_report.py``)."""
from typing import List, Optional, Sequence

from ..datasets.schema import task_slices
from ..errors import UserValueError
from ..evaluation.auto_accept import (auto_accept_outcome,
                                      calibrate_auto_accept, check_target,
                                      decide, predicted_values,
                                      wilson_bounds)
from ..evaluation.thresholds import FALLBACK, threshold_for
from .threshold_calibration import calibrate


def calibrated_thresholds(scores, gts, masks, tasks: List[dict],
                          default: float = 0.5,
                          target: Optional[float] = None,
                          confidence: float = 0.95) -> dict:
    """The content of a thresholds file: per multi-label task the best-F1
    threshold (``thresholds``, ``details``, ``default``) and, with a
    ``target`` precision, the ``auto_accept`` section, calibrated on the
    same predictions above those thresholds."""
    result = calibrate(scores, gts, masks, tasks, default=default)
    saved = dict(thresholds={k: v['threshold'] for k, v in result.items()},
                 details=result, default=default)
    if target is not None:
        saved['auto_accept'] = calibrate_auto_accept(
            scores, gts, masks, tasks,
            {**saved['thresholds'], FALLBACK: default}, target, confidence)
    return saved


def prediction_thresholds(saved: dict) -> dict:
    return {**saved['thresholds'], FALLBACK: saved['default']}


def value_outcomes(scores, gts, masks, tasks, thresholds, auto) -> list:
    """Per task and value with an auto threshold: ``[task, value,
    accepted, correct]`` on these predictions."""
    rows = []
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        keep = masks[:, i]
        if not keep.any():
            continue
        s, g = scores[keep, sl], gts[keep, sl]
        acc = decide(s, predicted_values(s, task['multi_label'], threshold_for(
            thresholds, task['name'])), task, auto)
        for k, value in enumerate(task['classes']):
            if auto.get(task['name'], {}).get(value) is not None:
                rows.append([task['name'], value, int(acc[:, k].sum()),
                             int((acc[:, k] & g[:, k]).sum())])
    return rows


def measure(val, test, tasks: List[dict], targets: Sequence[float],
            confidence: float = 0.95, default: float = 0.5) -> dict:
    """Thresholds chosen on ``val`` for each target, measured on ``test``
    (each an ``(scores, gts, masks)`` triple): the metrics of a run
    record."""
    out = []
    for target in targets:
        saved = calibrated_thresholds(*val, tasks, default, target,
                                      confidence)
        thr, section = prediction_thresholds(saved), saved['auto_accept']
        auto = section['values']
        on_val = auto_accept_outcome(*val, tasks, thr, auto, confidence)
        on_test = auto_accept_outcome(*test, tasks, thr, auto, confidence)
        rows = []
        for name in list(section['details']) + ['all']:
            if name not in on_test:
                continue
            d = section['details'].get(name)
            rows.append(dict(
                attribute=name,
                auto_values=sum(v is not None for v in auto[name].values())
                if d else sum(v is not None for a in auto.values()
                              for v in a.values()),
                values=len(auto[name]) if d else sum(
                    len(a) for a in auto.values()),
                val=on_val[name], test=on_test[name]))
        details = [[name, value, r['threshold'], r['precision'],
                    r['lower_bound'], r['n'], r['coverage']]
                   for name, d in section['details'].items()
                   for value, r in d['values'].items()]
        out.append(dict(target=float(target), rows=rows,
                        val_values=details,
                        test_values=value_outcomes(*test, tasks, thr, auto),
                        prediction_thresholds=thr))
    return dict(confidence=float(confidence), default=float(default),
                val_images=int(len(val[0])), test_images=int(len(test[0])),
                targets=out)


def check_targets(targets: Sequence[float]) -> List[float]:
    if not targets:
        raise UserValueError('give at least one --target-precision')
    return [check_target(t) for t in targets]


def verdict(test: dict, target: float) -> str:
    """Realised precision against the target: ``meets``, ``short, within
    noise`` (its upper bound still reaches the target) or ``short`` (it
    does not: the shortfall is larger than the test set's noise)."""
    if not test['accepted']:
        return 'nothing accepted'
    if test['precision'] >= target:
        return 'meets'
    if test['upper_bound'] >= target:
        return 'short, within noise'
    return 'short'


def short_values(test_values: list, target: float, confidence: float,
                 attribute: Optional[str] = None) -> str:
    """``'k (j)'``: of the attribute's (None: all) auto-accepted values,
    ``k`` have a test precision below the target, ``j`` of them beyond
    the noise (their one-sided Wilson upper bound is below it too)."""
    short = beyond = 0
    for a, _, n, c in test_values:
        if attribute not in (None, a) or not n or c / n >= target:
            continue
        short += 1
        beyond += wilson_bounds(c, n, confidence)[1] < target
    return f'{short} ({beyond})'


def _f(x, digits=3) -> str:
    return '-' if x is None else f'{x:.{digits}f}'


def markdown(records: list) -> str:
    """One table per record and target: per attribute the values given an
    auto threshold, the precision and coverage of auto-accepted values on
    val and on test, the test precision's one-sided Wilson upper bound,
    the verdict against the target and how many values fall short on test
    on their own (:func:`short_values`)."""
    blocks = []
    for rec in records:
        m = rec['metrics']
        conf = f'{m["confidence"] * 100:g} %'
        for t in m['targets']:
            title = (
                f'**Target precision {t["target"]:g}** '
                f'({rec["config"]}, seed {rec["seed"]}): thresholds where '
                f'the one-sided Wilson lower bound at {conf} confidence '
                f'reaches the target on {m["val_images"]} val images, '
                f'applied to {m["test_images"]} test images; coverage: '
                'share of labelled images with an auto-accepted value; '
                'beyond noise: its upper bound below the target too')
            lines = [title, '',
                     '| attribute | values with auto threshold | val '
                     'precision | val coverage | test auto-accepted | test '
                     f'precision | test upper bound ({conf}) | test coverage '
                     '| vs target | values short on test (beyond noise) |',
                     '| --- | --- | --- | --- | --- | --- | --- | --- | --- '
                     '| --- |']
            for r in t['rows']:
                name = r['attribute']
                label = '**all**' if name == 'all' else name
                v, s = r['val'], r['test']
                lines.append(
                    f'| {label} | {r["auto_values"]} / {r["values"]} | '
                    f'{_f(v["precision"])} | {_f(v["coverage"], 2)} | '
                    f'{s["accepted"]} | {_f(s["precision"])} | '
                    f'{_f(s["upper_bound"]) if s["accepted"] else "-"} | '
                    f'{_f(s["coverage"], 2)} | '
                    f'{verdict(s, t["target"])} | ' + short_values(
                        t['test_values'], t['target'], m['confidence'],
                        None if name == 'all' else name) + ' |')
            blocks.append('\n'.join(lines))
    return '\n\n'.join(blocks)


def value_lines(metrics: dict) -> List[str]:
    """Per target, per value with an auto threshold: val and test figures
    (printed by a live run, kept in the record)."""
    lines = []
    for t in metrics['targets']:
        test = {(a, v): (n, c) for a, v, n, c in t['test_values']}
        lines.append(f'target {t["target"]:g}: values with an auto threshold'
                     ' (val: threshold, precision, lower bound, n, coverage;'
                     ' test: accepted, precision)')
        for a, v, thr, p, lb, n, cov in t['val_values']:
            if thr is None:
                continue
            tn, tc = test[(a, v)]
            lines.append(f'  {a:<14} {v:<14} {thr:.4f} {p:.3f} {lb:.3f} '
                         f'{n:>4} {cov:.2f} | {tn:>4} '
                         f'{_f(tc / tn if tn else None)}')
        never = [f'{a}/{v}' for a, v, thr, *_ in t['val_values']
                 if thr is None]
        lines.append(f'  always review ({len(never)}): {", ".join(never)}')
    return lines


__all__ = ['calibrated_thresholds', 'check_targets', 'markdown', 'measure',
           'value_lines', 'verdict']
