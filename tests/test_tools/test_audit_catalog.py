"""tools/analysis_tools/cross_val_scores.py then tools/audit_catalog.py, as
a catalogue team runs them: out-of-fold scores of every training image,
then issues.csv, summary.json and audit.html. The catalogue has labels the
schema rejects (an unknown value, an attribute the category does not have,
an unknown category): the folds train on the valid labels, the audit lists
the rejected ones as findings."""
import csv
import json
import os.path as osp

from tests.helpers.run_tool import run
from tests.helpers.tiny_config import write_tiny_config


def noisy_catalogue(synth_root, path):
    """train.csv with rejected labels in rows 2, 3 and 4 and './' names."""
    with open(osp.join(synth_root, 'train.csv'), newline='') as f:
        rows = list(csv.DictReader(f))
    rows[1]['color'] = 'mauve'  # unknown value
    assert rows[2]['category'] != 'jeans'
    rows[2]['distressed'] = 'rips'  # jeans only
    rows[3]['category'] = 'poncho'  # unknown category
    for row in rows[::2]:
        row['image'] = './' + row['image']
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path), rows


def test_cross_val_scores_then_audit(synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root, size=32,
                               epochs=1)
    ann, rows = noisy_catalogue(synth_root, tmp_path / 'train.csv')
    work = tmp_path / 'cv'
    proc = run(['tools/analysis_tools/cross_val_scores.py', config,
                '--folds', '2', '--work-dir', str(work), '--no-validate',
                '--workers', '0', '--cfg-options',
                'train_dataloader.batch_size=12',
                f'train_dataloader.dataset.ann_file={ann}'])
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary['lines'] == 24 and summary['unreadable'] == 0
    report = json.loads((work / 'report.json').read_text())
    assert report['cfg_options'][0] == 'train_dataloader.batch_size=12'
    assert 'batch_size=12' in (work / 'fold_0' / 'config.py').read_text()
    out = tmp_path / 'audit'
    proc = run(['tools/audit_catalog.py', '--ann', ann, '--schema',
                osp.join(synth_root, 'schema.json'), '--scores',
                summary['oof_scores'], '--out', str(out), '--img-prefix',
                osp.join(synth_root, 'images'), '--all'])
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    stats = json.loads((out / 'summary.json').read_text())
    labelled = sum(s['labels'] for k, s in stats.items() if k != 'overall')
    findings = counts['schema_errors'] + counts['unknown_values']
    assert counts['checked'] + findings == labelled == \
        counts['issues_csv_rows'] > 24
    with open(out / 'issues.csv') as f:
        issues = list(csv.DictReader(f))
    assert [int(r['rank']) for r in issues] == list(
        range(1, len(issues) + 1))
    scores = [float(r['score']) for r in issues]
    assert scores == sorted(scores, reverse=True)
    found = {(r['image'], r['attribute']): r['kind'] for r in issues
             if r['kind'] != 'label'}
    name = [r['image'].lstrip('./') for r in rows]
    poncho = {(name[3], k) for k, v in rows[3].items()
              if v and k != 'image'}
    assert found == {(name[1], 'color'): 'unknown_value',
                     (name[2], 'distressed'): 'schema',
                     **{cell: 'schema' for cell in poncho},
                     (name[3], 'category'): 'unknown_value'}
    page = (out / 'audit.html').read_text()
    assert page.count('<tr class=') == counts['html_rows'] == min(
        500, counts['flagged'] + findings)
