"""Per-attribute results of several approaches x seeds, grouped as the
paper's Table 1 (Parekh & Shaik 2023): by granularity, then ROI.

Own code: a Markdown report of finished runs; nothing in mmengine does it.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

GROUP_ORDER = [('coarse', 'large'), ('coarse', 'small'), ('fine', 'large'),
               ('fine', 'small')]
UNGROUPED = ('-', '-')

# results[approach][seed][task] = micro F1
Results = Dict[str, Dict[int, Dict[str, float]]]


def group_tasks(task_groups: Dict[str, dict],
                tasks: Sequence[str]) -> List[Tuple[tuple, List[str]]]:
    """``[((granularity, roi), [task, ...]), ...]`` in the paper's column
    order; tasks without both fields go last, as ungrouped."""
    def key(task):
        g = task_groups.get(task, {})
        if 'granularity' in g and 'roi' in g:
            return g['granularity'], g['roi']
        return UNGROUPED

    groups = []
    for group in GROUP_ORDER + [UNGROUPED]:
        members = [t for t in tasks if key(t) == group]
        if members:
            groups.append((group, members))
    return groups


def _check_seeds(results: Results, baseline: str) -> List[int]:
    seeds = sorted(results[baseline])
    for approach, runs in results.items():
        if sorted(runs) != seeds:
            raise ValueError(f'{approach} has seeds {sorted(runs)}, the '
                             f'baseline {baseline} has {seeds}')
    return seeds


def sample_std(values) -> float:
    """Sample standard deviation (ddof=1), what "beyond the seed spread"
    needs; NaN for fewer than two values."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else float('nan')


def group_gains(results: Results, baseline: str,
                groups: List[Tuple[tuple, List[str]]]) -> Dict[str, dict]:
    """approach -> group -> (mean, sample std (ddof=1) over seeds) of the
    gain in the group's mean F1 over the baseline's, seed paired with seed
    (std NaN with one seed)."""
    seeds = _check_seeds(results, baseline)
    gains = {}
    for approach, runs in results.items():
        gains[approach] = {}
        for group, tasks in groups:
            per_seed = [np.mean([runs[s][t] - results[baseline][s][t]
                                 for t in tasks]) for s in seeds]
            gains[approach][group] = (float(np.mean(per_seed)),
                                      sample_std(per_seed))
    return gains


def markdown_table(results: Results, task_groups: Dict[str, dict],
                   baseline: str) -> str:
    """Two tables: per-attribute micro F1 (mean +- sample std over seeds,
    n stated) with the
    paper's grouped header, then each approach's gain per group."""
    seeds = _check_seeds(results, baseline)
    first = results[baseline][seeds[0]]
    groups = group_tasks(task_groups, list(first))
    tasks = [t for _, members in groups for t in members]
    lines = [f'Micro F1, mean +- sample std (ddof=1) over n = {len(seeds)} '
             f'seeds ({", ".join(map(str, seeds))}).', '',
             '| granularity | ' + ' | '.join(g[0] for g, m in groups
                                             for _ in m) + ' |',
             '| ROI | ' + ' | '.join(g[1] for g, m in groups
                                     for _ in m) + ' |',
             '| --- | ' + ' | '.join('---' for _ in tasks) + ' |',
             '| **attribute** | ' + ' | '.join(f'**{t}**' for t in tasks)
             + ' |']
    for approach, runs in results.items():
        cells = []
        for t in tasks:
            values = [runs[s][t] for s in seeds]
            cells.append(f'{np.mean(values):.3f} +- '
                         f'{sample_std(values):.3f}')
        lines.append(f'| {approach} | ' + ' | '.join(cells) + ' |')
    gains = group_gains(results, baseline, groups)
    names = [f'{g[0]} / {g[1]} ROI' if g != UNGROUPED else 'ungrouped'
             for g, _ in groups]
    lines += ['', f'Gain over {baseline} in each group\'s mean micro F1 '
              f'(mean +- sample std over n = {len(seeds)} seeds of the '
              'per-seed gain):', '',
              '| approach | ' + ' | '.join(names) + ' |',
              '| --- | ' + ' | '.join('---' for _ in names) + ' |']
    for approach in results:
        if approach == baseline:
            continue
        lines.append(f'| {approach} | ' + ' | '.join(
            f'{m:+.3f} +- {s:.3f}' for m, s in
            (gains[approach][g] for g, _ in groups)) + ' |')
    return '\n'.join(lines) + '\n'
