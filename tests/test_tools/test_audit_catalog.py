"""tools/analysis_tools/cross_val_scores.py then tools/audit_catalog.py, as
a catalogue team runs them: out-of-fold scores of every training image,
then issues.csv, summary.json and audit.html."""
import csv
import json
import os.path as osp

from tests.helpers.run_tool import run
from tests.helpers.tiny_config import write_tiny_config


def test_cross_val_scores_then_audit(synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root, size=32,
                               epochs=1)
    work = tmp_path / 'cv'
    proc = run(['tools/analysis_tools/cross_val_scores.py', config,
                '--folds', '2', '--work-dir', str(work), '--no-validate',
                '--workers', '0', '--cfg-options',
                'train_dataloader.batch_size=12'])
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary['lines'] == 24 and summary['unreadable'] == 0
    report = json.loads((work / 'report.json').read_text())
    assert report['cfg_options'] == ['train_dataloader.batch_size=12']
    assert 'batch_size=12' in (work / 'fold_0' / 'config.py').read_text()
    out = tmp_path / 'audit'
    proc = run(['tools/audit_catalog.py', '--ann',
                osp.join(synth_root, 'train.csv'), '--scores',
                summary['oof_scores'], '--out', str(out), '--img-prefix',
                osp.join(synth_root, 'images'), '--all'])
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    stats = json.loads((out / 'summary.json').read_text())
    labelled = sum(s['labels'] for k, s in stats.items() if k != 'overall')
    assert counts['checked'] == labelled == counts['issues_csv_rows'] > 24
    with open(out / 'issues.csv') as f:
        rows = list(csv.DictReader(f))
    assert [int(r['rank']) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r['score']) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert {r['kind'] for r in rows} == {'label'}
    page = (out / 'audit.html').read_text()
    assert page.count('<tr class=') == counts['html_rows'] == min(
        500, counts['flagged'])
