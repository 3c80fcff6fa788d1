"""constant_baseline.py: a model's per-attribute F1 beside the constant
baseline, kept as a record, and the table rebuilt from the records alone."""
import pickle

import numpy as np
from mmengine.config import Config
from mmpretrain.registry import DATASETS

from mmfashion_attr.datasets.schema import task_slices
from mmfashion_attr.utils import run_records
from tests.helpers.run_tool import run
from tests.helpers.tiny_config import write_tiny_config

TOOL = 'tools/analysis_tools/constant_baseline.py'


def dump_predictions(config, path, flip_task=None):
    """Predictions equal to the test split's labels (a perfect model), with
    ``flip_task``'s scores reversed (a model wrong on that attribute)."""
    cfg = Config.fromfile(config)
    ds = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[]))
    preds = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        score = np.asarray(info['gt_attr'], np.float32)
        if flip_task:
            names = [t['name'] for t in ds.metainfo['tasks']]
            sl = task_slices(ds.metainfo['tasks'])[names.index(flip_task)]
            score[sl] = 1 - score[sl]
        preds.append(dict(pred_score=score, gt_attr=info['gt_attr'],
                          gt_attr_mask=info['gt_attr_mask']))
    with open(path, 'wb') as f:
        pickle.dump(preds, f)


def test_records_and_table_from_results(tmp_path, synth_root):
    results = tmp_path / 'runs.jsonl'
    for name, flip, seconds in (('perfect', None, 60),
                                ('wrong_on_category', 'category', 90)):
        config = write_tiny_config(tmp_path / f'{name}.py', synth_root)
        preds = tmp_path / f'{name}.pkl'
        dump_predictions(config, preds, flip)
        out = run([TOOL, config, '--preds', str(preds), '--results',
                   str(results), '--train-seconds', str(seconds)]).stdout
        assert 'record kept' in out
    records = run_records.load(str(results))
    assert [r['train_seconds'] for r in records] == [60, 90]
    table_file = tmp_path / 'table.md'
    table = run([TOOL, '--from-results', str(results), '--out',
                 str(table_file)]).stdout
    assert table_file.read_text().strip() == table.strip()
    cells = [[c.strip() for c in line.strip('|').split('|')]
             for line in table.splitlines() if line.startswith('| ')]
    rows = {row[0]: row[1:] for row in cells}
    assert rows['attribute'][2:] == ['perfect F1', 'wrong_on_category F1']
    assert rows['category'][2:] == ['1.0000', '0.0000']
    assert rows['color'][2:] == ['1.0000', '1.0000']
    assert rows['training time (s)'][2:] == ['60', '90']


def _seed_record(seed, mean):
    rows = [['color', 10, 0.2, mean + 0.05], ['mean', None, 0.3, mean]]
    return dict(config='configs/demo/x.py', seed=seed,
                metrics=dict(rows=rows), train_seconds=60.0)


def test_seed_columns_spread_and_expected_range():
    from tools.analysis_tools.constant_baseline import (expected_line,
                                                        markdown)
    records = [_seed_record(s, m) for s, m in ((0, 0.70), (1, 0.80),
                                               (2, 0.75))]
    table = markdown(records)
    assert '| x seed 0 F1 | x seed 1 F1 | x seed 2 F1 |' in table
    # sample std of 0.70, 0.80, 0.75 is 0.05
    assert ('x.py: mean micro F1 0.7500 ± 0.0500 (sample std, n = 3, seeds '
            '0, 1, 2), range 0.7000-0.8000') in table
    assert 'expected 0.7000-0.8000 (3 published seeds of x.py), this run ' \
        '0.7400: within it' in expected_line(records, 'other/x.py', 0.74)
    assert 'OUTSIDE' in expected_line(records, 'x.py', 0.60)
    assert 'no published runs' in expected_line(records, 'y.py', 0.60)
    records[1]['machine'] = 'CPU X'
    assert 'published seed 1: 0.8000 on CPU X; this run is the same' in \
        expected_line(records, 'x.py', 0.80, seed=1)
    assert 'this run is -0.0500 from it' in \
        expected_line(records, 'x.py', 0.75, seed=1)
    assert 'published seed 7' not in expected_line(records, 'x.py', 0.75,
                                                 seed=7)
