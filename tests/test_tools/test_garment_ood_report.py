"""garment_ood_report.py on a tiny model: the record, the tables rebuilt
from it alone, the saved detector, and user errors."""
import numpy as np
import pytest

from mmfashion_attr.analysis.garment_ood import SCORES, GarmentDetector
from mmfashion_attr.datasets.synthfashion.non_garments import \
    generate_non_garments
from mmfashion_attr.utils import run_records
from tests.helpers.in_process_tool import run_in_process
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

TOOL = 'tools/analysis_tools/garment_ood_report.py'


@pytest.fixture(scope='module')
def inputs(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('garment_ood')
    config = write_tiny_config(tmp / 'tiny.py', synth_root, size=32)
    photo = np.random.default_rng(0).integers(0, 256, (40, 60, 3),
                                              dtype=np.uint8)
    generate_non_garments(str(tmp / 'ng'), num_per_kind=3, size=64,
                          seed=0, photo_views=2,
                          photos=[('hand-made photo', photo)])
    return dict(tmp=tmp, config=config, ng=str(tmp / 'ng'),
                checkpoint=save_tiny_checkpoint(config, tmp / 'tiny.pth'))


def table_rows(text):
    return [[c.strip() for c in line.strip('|').split('|')]
            for line in text.splitlines() if line.startswith('| ')]


def test_record_tables_and_detector(inputs, monkeypatch, capsys):
    tmp = inputs['tmp']
    results, out = tmp / 'runs.jsonl', tmp / 'table.md'
    code = run_in_process(TOOL, [
        inputs['config'], inputs['checkpoint'], '--non-garments',
        inputs['ng'], '--results', results, '--save-detector',
        tmp / 'det.npz', '--batch-size', 16], monkeypatch)
    printed = capsys.readouterr().out
    assert code == 0, printed
    rec, = run_records.load(str(results))
    m = rec['metrics']
    assert rec['split'] == 'test' and rec['seed'] == 0 and rec['k'] == 1
    assert m['garments'] == 7 and m['kinds'] == dict(
        background=3, texture=3, shapes=3, noise=3, gradient=3, photo=2)
    assert rec['photo_sources'] == ['hand-made photo']
    assert (rec['train_images'], rec['val_images']) == (24, 8)
    assert list(m['scores']) == list(SCORES)
    for s in m['scores'].values():
        assert 0 <= s['auroc']['all'] <= 1
        assert sum(s['garments'].values()) == pytest.approx(1)
    # the tables come back from the record alone, as printed
    assert run_in_process(TOOL, ['--from-results', results, '--out', out],
                          monkeypatch) == 0
    table = capsys.readouterr().out
    assert out.read_text() == table and table.strip() in printed
    rows = table_rows(table)
    header = len(SCORES) + 2  # the AUROC table: header, rule, a row a score
    auroc, decisions = rows[:header], rows[header:]
    assert auroc[0][:3] == ['score', 'background (3)', 'texture (3)']
    assert auroc[0][-1] == 'all (17)'
    knn = m['scores']['knn']
    assert auroc[2 + list(SCORES).index('knn')] == ['knn'] + [
        f'{knn["auroc"][k]:.4f}' for k in list(m['kinds']) + ['all']]
    assert decisions[0][:3] == ['score', 'test garments', 'background']
    cell = knn['non_garments']['photo']
    assert decisions[2 + list(SCORES).index('knn')][-2] == (
        f'{cell["accepted"]:.3f} / {cell["review"]:.3f} / '
        f'{cell["rejected"]:.3f}')
    assert 'target ≥ 0.95' in table and 'hand-made photo' in table
    # the saved detector decides with the record's thresholds
    det = GarmentDetector.load(str(tmp / 'det.npz'))
    assert det.thresholds['combined']['threshold'] == \
        m['scores']['combined']['threshold']


@pytest.mark.parametrize('args, words', [
    (['--non-garments', '{tmp}/none'], 'no non_garments.json'),
    (['--non-garments', '{ng}', '--recall', '0.99', '--review-recall',
      '0.9'], 'need 0 < recall <= review recall'),
    (['--non-garments', '{ng}', '--k', '0'], '--k 0'),
])
def test_user_errors(inputs, args, words, monkeypatch, capsys):
    args = [a.format(**inputs) for a in args]
    code = run_in_process(TOOL, [inputs['config'], inputs['checkpoint']] +
                          args, monkeypatch)
    err = capsys.readouterr().err
    assert code == 2 and words in err and 'Traceback' not in err, err
