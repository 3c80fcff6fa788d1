"""attr_mask_rcnn_report.py --from-results: one row per config with n, the
metrics in % as mean ± sample std (ddof=1), the attribute loss's share of
the total and the training minutes; the same table printed and written."""
import json

from mmfashion_attr.utils import run_records
from tests.helpers.run_tool import run


def test_table_from_results(tmp_path):
    runs = tmp_path / 'runs.jsonl'
    for seed, (ap, f1, attr) in enumerate([(0.30, 0.20, 0.5),
                                           (0.34, 0.24, 1.5)]):
        run_records.save(str(runs), run_records.record(
            'configs/attr_mask_rcnn/a.py', seed=seed, train_seconds=600,
            metrics={'fashionpedia/segm_iou_AP': ap,
                     'fashionpedia/segm_attr_f1': f1},
            losses=dict(loss=2.0, loss_attr=attr)))
    run_records.save(str(runs), run_records.record(
        'configs/attr_mask_rcnn/b.py', seed=0, train_seconds=120,
        metrics={'fashionpedia/segm_iou_AP': 0.1},
        losses=dict(loss=1.0, loss_attr=0.1)))
    out = tmp_path / 'table.md'
    proc = run(['tools/analysis_tools/attr_mask_rcnn_report.py',
                '--from-results', str(runs), '--out', str(out)])
    table = out.read_text()
    assert proc.stdout == table
    a, b = table.splitlines()[2:]
    # 30 / 34: mean 32, sample std 2.83; loss share 0.25 / 0.75
    assert a.startswith('| `a.py` | 2 | 32.00 ± 2.83 |')
    assert '| 22.00 ± 2.83 | 0.500 ± 0.354 | 10.0 ± 0.0 |' in a
    assert b == '| `b.py` | 1 | 10.00 | - | - | - | - | 0.100 | 2.0 |'
    assert json.loads(runs.read_text().splitlines()[0])['losses']
