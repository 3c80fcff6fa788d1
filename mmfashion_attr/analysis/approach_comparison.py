"""The progressive paper's comparison as a table: per article group, each
approach's per-attribute accuracy and micro F1, then its costs (training
time, parameters, MB on disk, inference time per image). An approach may be
several models (one per attribute): their attributes are merged and their
costs added.
"""
from typing import Dict, List

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
    for key in ('train_seconds', 'params', 'bytes', 'latency_ms'):
        out[key] = sum(m[key] for m in models)
    return out


def mean_f1(approach: dict) -> float:
    values = [t['f1_micro'] for t in approach['tasks'].values()]
    return sum(values) / len(values)


def markdown_table(article: str, approaches: Dict[str, dict]) -> str:
    """One article group: attributes x approaches (``accuracy / F1``), then
    mean F1 and the costs."""
    names = [a for a in APPROACHES if a in approaches] + \
        [a for a in approaches if a not in APPROACHES]
    tasks = []
    for name in names:
        tasks += [t for t in approaches[name]['tasks'] if t not in tasks]
    lines = [f'**{article}**: accuracy / micro F1 on the test split',
             '',
             '| | ' + ' | '.join(n.replace('_', '-') for n in names) + ' |',
             '| --- |' + ' --- |' * len(names)]

    def row(label, cell):
        lines.append(f'| {label} | ' + ' | '.join(
            cell(approaches[n]) for n in names) + ' |')

    def task_cell(task):
        def cell(a):
            m = a['tasks'].get(task)
            return '-' if m is None else \
                f'{m["accuracy"]:.3f} / {m["f1_micro"]:.3f}'
        return cell

    for task in tasks:
        row(task, task_cell(task))
    row('**mean micro F1**', lambda a: f'**{mean_f1(a):.3f}**')
    row('models', lambda a: str(a['models']))
    row('training time (s)', lambda a: f'{a["train_seconds"]:.0f}')
    row('parameters (M)', lambda a: f'{a["params"] / 1e6:.2f}')
    row('weights on disk (MB)', lambda a: f'{a["bytes"] / 2**20:.1f}')
    row('inference (ms / image)', lambda a: f'{a["latency_ms"]:.1f}')
    return '\n'.join(lines)
