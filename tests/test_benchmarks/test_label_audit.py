"""benchmarks/label_audit.py's measures on hand-made rankings, and its
table rebuilt from a results file (no training)."""
import importlib.util
import math
import os.path as osp

import pytest

from mmfashion_attr.utils import run_records
from tests.helpers.run_tool import ROOT, run

spec = importlib.util.spec_from_file_location(
    'label_audit_bench', osp.join(ROOT, 'benchmarks', 'label_audit.py'))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def rows(pattern, attribute='color', flagged=None):
    """Ranked audit rows; 'x' marks an injected error."""
    return [dict(image=f'{attribute}{i}', attribute=attribute,
                 flagged=bool(flagged and i < flagged))
            for i, _ in enumerate(pattern)]


def truth_of(pattern, attribute='color'):
    return {(f'{attribute}{i}', attribute) for i, c in enumerate(pattern)
            if c == 'x'}


def test_precision_at_n_and_flagged_set():
    pattern = 'xx.x....x.'  # 4 errors; 2 of the first 4 ranked
    ranked = rows(pattern, flagged=3)
    got = bench.method_metrics(ranked, truth_of(pattern))['color']
    assert got['injected'] == 4 and got['labels'] == 10
    assert got['p_at_n'] == pytest.approx(0.75)
    assert got['flagged'] == 3
    assert got['flagged_precision'] == pytest.approx(2 / 3)
    assert got['flagged_recall'] == pytest.approx(0.5)
    assert bench.precision_at_n([True, True, False]) == 1.0
    assert math.isnan(bench.precision_at_n([False]))


def test_overall_ranks_across_attributes_and_random_has_spread():
    ranked = rows('x..', 'color') + rows('.x.', 'pattern')
    truth = truth_of('x..', 'color') | truth_of('.x.', 'pattern')
    got = bench.method_metrics(ranked, truth)
    assert got['overall']['injected'] == 2
    assert got['overall']['p_at_n'] == 0.5  # color0 hit, color1 miss
    rand = bench.random_metrics(ranked, truth, draws=30)
    assert rand['overall']['n'] == 30
    assert 0 < rand['overall']['p_at_n'] < 1
    assert rand['overall']['p_at_n_std'] > 0


def test_table_from_results(tmp_path):
    ranked = rows('xx.x....x.', flagged=3)
    truth = truth_of('xx.x....x.')
    metrics = dict(oof=bench.method_metrics(ranked, truth),
                   in_sample=bench.method_metrics(ranked[::-1], truth),
                   random=bench.random_metrics(ranked, truth, 5))
    rec = run_records.record(
        bench.CONFIG, metrics, seed=0, split='train', benchmark=dict(
            folds=3, num_train=10, size=64, noise=0.05, random_draws=5,
            total_seconds=60, loadavg_start=[1.0, 1, 1],
            loadavg_end=[2.0, 1, 1]))
    path = tmp_path / 'r.jsonl'
    run_records.save(str(path), rec)
    proc = run(['benchmarks/label_audit.py', '--from-results', str(path),
                '--out', str(tmp_path / 't.md')])
    text = (tmp_path / 't.md').read_text()
    assert proc.stdout == text
    assert '| color | 10 | 4 | 0.750 | 3 (0.667 / 0.500) | 0.250 |' in text
    assert '(n=5 draws)' in text and 'load average 1.0' in text
