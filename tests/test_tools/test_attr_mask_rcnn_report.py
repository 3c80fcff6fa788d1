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


PERCAT = 'configs/attr_mask_rcnn/attr-mask-rcnn_r18_fpn_percat_synthfashion.py'
PROPOSALS = ('configs/attr_mask_rcnn/'
             'attr-mask-rcnn_r18_fpn_percat-proposals_synthfashion.py')
BASE = 'configs/attr_mask_rcnn/attr-mask-rcnn_r18_fpn_synthfashion.py'


def test_training_differences_of_the_shipped_configs():
    """attr_on acts at test time only; the per-category head trains
    another model."""
    from mmfashion_attr.utils.experiment_runs import training_differences
    assert training_differences(PROPOSALS, PERCAT) == []
    assert training_differences(
        PROPOSALS, PERCAT, ['model.test_cfg.rcnn.max_per_img=5']) == []
    differ = training_differences(PROPOSALS, BASE)
    assert 'model.roi_head.attr_from' in differ
    assert training_differences(
        PERCAT, PERCAT, ['train_cfg.max_epochs=2']) == []


def test_weights_from_tests_the_source_checkpoint(tmp_path, monkeypatch):
    """--weights-from: the paired config is tested on the source run's
    checkpoint of the same seed (the source trained once), its record says
    so, and a source that trains another model is refused."""
    import pytest

    from mmfashion_attr.errors import UserInputError
    from tools.analysis_tools import attr_mask_rcnn_report as tool
    trained, tested = [], []

    def fake_train(config, work, train_options, test_options):
        trained.append((config, work, list(train_options)))
        vis = tmp_path / 'w' / tool.run_name(config) / 'seed0' / 'r' / \
            'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text(json.dumps(
            dict(epoch=1, loss=2.0, loss_attr=0.5)) + '\n')
        # a finished run as train_and_test leaves it
        (vis.parent.parent / 'test_metrics.json').write_text(
            json.dumps({'fashionpedia/segm_iou_AP': 0.3}))
        (vis.parent.parent / 'run_info.json').write_text(json.dumps(
            dict(train_seconds=60, checkpoint=f'{work}/epoch_6.pth')))
        return tool.finished_run(work)

    def fake_evaluate(config, ckpt, work, options, **info):
        tested.append((config, ckpt, work))
        return dict(metrics={'fashionpedia/segm_iou_AP': 0.4}, finished=0,
                    **info)

    monkeypatch.setattr(tool, 'train_and_test', fake_train)
    monkeypatch.setattr(tool, 'evaluate_checkpoint', fake_evaluate)
    runs = tmp_path / 'runs.jsonl'
    tool.main([PERCAT, PROPOSALS, '--work-dir', str(tmp_path / 'w'),
               '--weights-from', f'{PROPOSALS}={PERCAT}',
               '--results', str(runs), '--out', str(tmp_path / 't.md')])
    source_work = str(tmp_path / 'w' / tool.run_name(PERCAT) / 'seed0')
    assert [t[0] for t in trained] == [PERCAT]
    assert tested == [(PROPOSALS, f'{source_work}/epoch_6.pth',
                       str(tmp_path / 'w' / tool.run_name(PROPOSALS) /
                           'seed0'))]
    recs = {r['config']: r for r in run_records.load(str(runs))}
    paired = recs[PROPOSALS]
    assert paired['weights_from'] == tool.run_name(PERCAT)
    assert paired['train_seconds'] == 60
    assert paired['losses'] == dict(loss=2.0, loss_attr=0.5)
    assert 'weights_from' not in recs[PERCAT]
    assert '(weights of `attr-mask-rcnn_r18_fpn_percat_synthfashion.py`)' \
        in (tmp_path / 't.md').read_text()
    with pytest.raises(UserInputError, match='train different models'):
        tool.main([BASE, '--work-dir', str(tmp_path / 'w2'),
                   '--weights-from', f'{BASE}={PERCAT}'])
