"""The progressive paper's comparison as a table: per article group, each
approach's per-attribute accuracy and micro F1, then its costs (training
time, parameters, MB on disk, inference time per image). An approach may be
several models (one per attribute): their attributes are merged and their
costs added.
"""
from typing import Dict, List

import numpy as np

APPROACHES = ('progressive', 'per_attribute', 'multi_label')


def task_metrics(metrics: dict) -> Dict[str, dict]:
    """``attr/<task>/{accuracy,f1_micro}`` of a test run -> task -> both."""
    tasks = {}
    for key, value in metrics.items():
        parts = key.split('/')
        if len(parts) == 3 and parts[0] == 'attr' and \
                parts[2] in ('accuracy', 'f1_micro'):
            tasks.setdefault(parts[1], {})[parts[2]] = value
    return tasks


def combine_models(models: List[dict]) -> dict:
    """One approach from its models (each ``dict(tasks, train_seconds,
    params, bytes, latency_ms)``): tasks merged (a task in two models is an
    error), costs summed; inference runs every model on the image."""
    tasks = {}
    for model in models:
        again = set(tasks) & set(model['tasks'])
        if again:
            raise ValueError(f'tasks {sorted(again)} come from two models')
        tasks.update(model['tasks'])
    out = dict(tasks=tasks, models=len(models))
    for key in ('train_seconds', 'params', 'bytes', 'latency_ms',
                'image_passes'):
        out[key] = sum(m.get(key, 0) for m in models)
    return out


def mean_f1(approach: dict) -> float:
    values = [t['f1_micro'] for t in approach['tasks'].values()]
    return sum(values) / len(values)


def _mean_sd(values: List[float], digits: int = 3) -> str:
    """``mean ± sample std (ddof=1)``; the mean alone for one value."""
    mean = float(np.mean(values))
    if len(values) < 2:
        return f'{mean:.{digits}f}'
    return f'{mean:.{digits}f} ± {float(np.std(values, ddof=1)):.{digits}f}'


def markdown_table(article: str,
                   approaches: Dict[str, Dict[int, dict]]) -> str:
    """One article group: attributes x approaches, micro F1 as mean ± sample
    std over the seeds (``approaches[name][seed]`` is a combined approach,
    see :func:`combine_models`), then mean F1 and the costs."""
    names = [a for a in APPROACHES if a in approaches] + \
        [a for a in approaches if a not in APPROACHES]
    seeds = sorted(next(iter(approaches.values())))
    for name in names:
        if sorted(approaches[name]) != seeds:
            raise ValueError(f'{article}/{name} has seeds '
                             f'{sorted(approaches[name])}, not {seeds}')
    tasks = []
    for name in names:
        for run in approaches[name].values():
            tasks += [t for t in run['tasks'] if t not in tasks]
    lines = [f'**{article}**: micro F1 on the test split, mean ± sample std '
             f'(ddof=1) over n = {len(seeds)} seeds '
             f'({", ".join(map(str, seeds))})',
             '',
             '| | ' + ' | '.join(n.replace('_', '-') for n in names) + ' |',
             '| --- |' + ' --- |' * len(names)]

    def row(label, cell):
        lines.append(f'| {label} | ' + ' | '.join(
            cell(list(approaches[n].values())) for n in names) + ' |')

    def task_cell(task):
        def cell(runs):
            values = [r['tasks'][task]['f1_micro'] for r in runs
                      if task in r['tasks']]
            return _mean_sd(values) if values else '-'
        return cell

    for task in tasks:
        row(task, task_cell(task))
    row('**mean micro F1**',
        lambda runs: f'**{_mean_sd([mean_f1(r) for r in runs])}**')
    row('models', lambda runs: str(runs[0]['models']))
    row('training image passes',
        lambda runs: f'{runs[0].get("image_passes", 0):,}')
    row('training time (s)',
        lambda runs: _mean_sd([r['train_seconds'] for r in runs], 0))
    row('parameters (M)', lambda runs: f'{runs[0]["params"] / 1e6:.2f}')
    row('weights on disk (MB)',
        lambda runs: f'{runs[0]["bytes"] / 2**20:.1f}')
    row('inference (ms / image, median over seeds)',
        lambda runs: f'{np.median([r["latency_ms"] for r in runs]):.1f}')
    return '\n'.join(lines)
