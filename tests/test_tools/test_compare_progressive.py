"""compare_progressive.py end to end on a tiny article folder (4 one-epoch
runs through tools/train.py and tools/test.py), and the table helpers. The
tool and its runs go in this process (11 interpreter start-ups fewer: CPU
time 106 s -> 23 s); the runs' subprocess path is tested with
m2fashion_report.py (tests/helpers/in_process_tool.py)."""
import json
import os.path as osp

import pytest

from mmfashion_attr.analysis.approach_comparison import (
    combine_models,
    markdown_table,
)
from mmfashion_attr.utils import run_records
from tests.helpers.in_process_tool import (experiment_runs_in_process,
                                           run_in_process)
from tests.helpers.tiny_config import write_tiny_config

PROGRESSIVE = '''_base_ = './_article.py'
train_dataloader = dict(sampler=dict(type='LabelledTaskSampler'))
param_scheduler = None
train_cfg = dict(max_epochs=2, val_interval=2)
custom_hooks = [dict(type='ProgressiveTrainingHook', stages=[
    dict(tasks=['category'], epochs=1), dict(tasks='all', epochs=1)])]
'''
MULTI_LABEL = '''_base_ = './_article.py'
model = dict(head=dict(hidden_dims=(), sigmoid_all=True))
'''
PER_ATTRIBUTE = '''_base_ = './_article.py'
subset = dict(tasks=[{task!r}])
model = dict(head=dict(subset=subset, value_masks={masks}))
train_dataloader = dict(
    sampler=dict(type='LabelledTaskSampler', tasks=subset['tasks']),
    dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = dict(dataset=dict(subset=subset))
'''


def model(tasks, seconds=10.0, params=100, size=400, ms=2.0):
    return dict(tasks={t: dict(accuracy=a, f1_micro=f)
                       for t, (a, f) in tasks.items()},
                train_seconds=seconds, params=params, bytes=size,
                latency_ms=ms)


def test_combine_and_table():
    per_attr = combine_models([model(dict(color=(0.5, 0.6))),
                               model(dict(neck=(0.7, 0.8)), ms=3.0)])
    assert per_attr['models'] == 2
    assert per_attr['latency_ms'] == 5.0 and per_attr['params'] == 200
    with pytest.raises(ValueError, match='color'):
        combine_models([model(dict(color=(0.5, 0.6)))] * 2)
    progressive = {seed: combine_models(
        [model(dict(color=(0.9, f), neck=(0.8, 0.81)))])
        for seed, f in ((0, 0.90), (1, 0.92), (2, 0.97))}
    table = markdown_table('tops', dict(
        progressive=progressive,
        per_attribute={seed: per_attr for seed in (0, 1, 2)}))
    assert 'over n = 3 seeds (0, 1, 2)' in table
    # sample std (ddof=1) of 0.90, 0.92, 0.97: 0.036 (ddof=0 gives 0.029)
    assert '| color | 0.930 ± 0.036 | 0.600 ± 0.000 |' in table
    assert '| **mean micro F1** | **0.870 ± 0.018** | **0.700 ± 0.000** |' \
        in table
    assert '| models | 1 | 2 |' in table
    with pytest.raises(ValueError, match='seeds'):
        markdown_table('tops', dict(progressive=progressive,
                                    per_attribute={0: per_attr}))


def test_compare_progressive_end_to_end(tmp_path, synth_root, monkeypatch,
                                       capsys):
    experiment_runs_in_process(monkeypatch)

    def run(args):
        """The tool in this process; its stdout."""
        capsys.readouterr()
        assert run_in_process(args[0], args[1:], monkeypatch,
                              isolate=True) == 0, capsys.readouterr()
        return capsys.readouterr().out

    folder = tmp_path / 'everything'
    folder.mkdir()
    write_tiny_config(folder / '_tiny.py', synth_root, size=32, epochs=1)
    (folder / '_article.py').write_text(
        "_base_ = './_tiny.py'\n"
        "model = dict(head=dict(hidden_dims=(8, )))\n")
    (folder / 'progressive.py').write_text(PROGRESSIVE)
    (folder / 'multi_label.py').write_text(MULTI_LABEL)
    for task, masks in (('category', True), ('color', False)):
        (folder / f'per_attribute_{task}.py').write_text(
            PER_ATTRIBUTE.format(task=task, masks=masks))
    work, out = tmp_path / 'work', tmp_path / 'report.md'
    results = tmp_path / 'runs.jsonl'
    args = ['tools/analysis_tools/compare_progressive.py', str(folder),
            '--work-dir', str(work), '--latency-iters', '2',
            '--results', str(results),
            '--out', str(out), '--chart', str(tmp_path / 'chart.png')]
    stdout = run(args)
    assert stdout.count('trained and tested') == 4, stdout
    table = out.read_text()
    rows = {line.split(' | ')[0][2:]: line.split(' | ')[1:]
            for line in table.splitlines() if line.startswith('| ')}
    assert rows['models'][:3] == ['1', '2', '1 |']
    # the per-attribute models cover only their own tasks
    assert rows['color'][1] != '-' and rows['pattern'][1] == '-'
    with open(work / 'everything' / 'per_attribute_color' / 'seed0' /
              'test_metrics.json') as f:
        color = json.load(f)
    assert rows['color'][1] == f'{color["attr/color/f1_micro"]:.3f}'
    assert osp.getsize(tmp_path / 'chart.png') > 0
    # equal budgets: progressive draws the category-labelled images (all
    # of them) then every image, 2 x 24 passes; the multi-label model gets
    # 2 epochs over the 24 images, each per-attribute model half of it
    records = {osp.basename(r['config']): r
               for r in run_records.load(str(results))}
    assert records['progressive.py']['image_passes'] == 48
    assert 'train_cfg.max_epochs=2' in records['multi_label.py'][
        'cfg_options']
    assert records['per_attribute_category.py']['image_passes'] == 24
    assert all(r['seed'] == 0 and 'randomness.seed=0' in r['cfg_options']
               for r in records.values())
    # the tables come back from the results file alone
    again = tmp_path / 'again.md'
    run(['tools/analysis_tools/compare_progressive.py', '--from-results',
         str(results), '--out', str(again)])
    assert again.read_text() == table
    # a rerun reads the finished runs and reports the same metrics
    rerun = run(args + ['--no-train'])
    assert rerun.count('done before') == 4
    assert out.read_text().split('| models')[0] == table.split('| models')[0]
