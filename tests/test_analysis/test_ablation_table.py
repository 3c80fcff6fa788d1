"""The ablation report: grouping as the paper's Table 1, mean +- std over
seeds, seed-paired gains, and the tool on fabricated finished runs."""
import json
import os.path as osp

import numpy as np
import pytest

from mmfashion_attr.analysis.ablation_table import (
    group_gains,
    group_tasks,
    markdown_table,
)
from tests.helpers.run_tool import run
from tests.helpers.tiny_config import write_tiny_config

GROUPS = dict(category=dict(roi='large', granularity='coarse'),
              neck=dict(roi='small', granularity='fine'),
              pattern=dict(roi='large', granularity='fine'),
              closure=dict(roi='small', granularity='coarse'),
              sleeve=dict(roi='small', granularity='fine'),
              extra={})
# approach -> seed -> task -> F1
RESULTS = {
    'base': {0: dict(category=0.9, neck=0.5, pattern=0.6, closure=0.4,
                     sleeve=0.7, extra=0.3),
             1: dict(category=0.8, neck=0.4, pattern=0.6, closure=0.5,
                     sleeve=0.6, extra=0.3)},
    'fpn': {0: dict(category=0.9, neck=0.6, pattern=0.6, closure=0.4,
                    sleeve=0.8, extra=0.3),
            1: dict(category=0.8, neck=0.6, pattern=0.7, closure=0.5,
                    sleeve=0.6, extra=0.2)},
}


def test_groups_follow_the_papers_column_order():
    groups = group_tasks(GROUPS, list(GROUPS))
    assert groups == [(('coarse', 'large'), ['category']),
                      (('coarse', 'small'), ['closure']),
                      (('fine', 'large'), ['pattern']),
                      (('fine', 'small'), ['neck', 'sleeve']),
                      (('-', '-'), ['extra'])]


def test_gains_are_seed_paired_group_means():
    groups = group_tasks(GROUPS, list(GROUPS))
    gains = group_gains(RESULTS, 'base', groups)
    # fine / small: seed 0 (+0.1 +0.1) / 2 = 0.1, seed 1 (+0.2 + 0) / 2 = 0.1
    mean, std = gains['fpn'][('fine', 'small')]
    assert mean == pytest.approx(0.1) and std == pytest.approx(0.0)
    mean, std = gains['fpn'][('fine', 'large')]  # 0 and +0.1
    # sample std (ddof=1): 0.1 / sqrt(2), not the population std 0.05
    assert mean == pytest.approx(0.05) and std == pytest.approx(0.0707, 1e-3)
    assert gains['base'][('coarse', 'large')] == (0.0, 0.0)


def test_markdown_has_means_stds_and_gains():
    table = markdown_table(RESULTS, GROUPS, 'base')
    rows = {line.split('|')[1].strip(): line for line in table.splitlines()
            if line.startswith('| ')}
    assert rows['granularity'].split('|')[2:7] == [
        ' coarse ', ' coarse ', ' fine ', ' fine ', ' fine ']
    # neck: base 0.5 and 0.4 -> 0.450 +- 0.071 (sample std, n = 2)
    assert 'sample std (ddof=1) over n = 2 seeds' in table
    neck = rows['**attribute**'].split('|').index(' **neck** ')
    assert rows['base'].split('|')[neck].strip() == '0.450 +- 0.071'
    assert '+0.100 +- 0.000' in rows['fpn']
    with pytest.raises(ValueError, match='seeds'):
        markdown_table(dict(RESULTS, other={0: RESULTS['fpn'][0]}), GROUPS,
                       'base')


def test_tool_reads_finished_runs(synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny_a.py', synth_root)
    other = write_tiny_config(tmp_path / 'tiny_b.py', synth_root)
    schema = json.load(open(osp.join(synth_root, 'schema.json')))
    tasks = ['category'] + [a['name'] for a in schema['attributes']]
    rng = np.random.default_rng(0)
    for name in ('tiny_a', 'tiny_b'):
        for seed in (0, 1, 2):
            work = tmp_path / 'work' / name / f'seed{seed}'
            work.mkdir(parents=True)
            metrics = {f'attr/{t}/f1_micro': float(rng.random())
                       for t in tasks}
            metrics['attr/mean_f1_micro'] = 0.5
            (work / 'test_metrics.json').write_text(json.dumps(metrics))
    out, chart = tmp_path / 'report.md', tmp_path / 'gains.png'
    runs = tmp_path / 'runs.jsonl'
    proc = run(['tools/analysis_tools/ablation_report.py', config, other,
                '--work-dir', str(tmp_path / 'work'), '--no-train',
                '--results', str(runs), '--out', str(out),
                '--chart', str(chart)])
    assert proc.stdout.count('done before') == 6
    table = out.read_text()
    assert 'small ROI' in table and '| tiny_b |' in table
    assert chart.read_bytes()[:4] == b'\x89PNG'
    # results as data: one record per run, and the same tables from it alone
    from mmfashion_attr.utils import run_records
    records = run_records.load(str(runs))
    assert len(records) == 6 and {r['seed'] for r in records} == {0, 1, 2}
    assert {'machine', 'date', 'commit', 'metrics', 'split',
            'task_groups'} <= set(records[0])
    again = tmp_path / 'again.md'
    run(['tools/analysis_tools/ablation_report.py', '--from-results',
         str(runs), '--out', str(again)])
    assert again.read_text() == table
    missing = run(['tools/analysis_tools/ablation_report.py', config,
                   '--work-dir', str(tmp_path / 'none'), '--no-train'],
                  check=False)
    assert missing.returncode != 0 and 'has no finished run' in \
        missing.stderr
