"""The label audit on hand-built catalogues and scores: the known wrong
label ranks first (single- and multi-label), schema findings are flagged as
such, missing labels are not audited, bad rows name file:line, and the
outputs (issues.csv, audit.html) carry the rows."""
import csv
import json
import os.path as osp

import numpy as np
import pytest

from mmfashion_attr.analysis.label_audit import (audit_catalogue,
                                                 read_catalogue, write_html,
                                                 write_issues_csv)
from mmfashion_attr.apis.catalog_inference import image_key
from mmfashion_attr.datasets.catalog.rows import AnnotationError
from mmfashion_attr.datasets.schema import AttributeSchema

SCHEMA = dict(
    categories=['jeans', 'shirt'],
    attributes=[
        dict(name='pattern', values=['solid', 'striped'], multi_label=False),
        dict(name='color', values=['red', 'blue', 'black'],
             multi_label=True),
        dict(name='closure', values=['button', 'zip'], multi_label=False,
             value_categories={'zip': ['jeans']}),
    ])
N = 40


def truth(i):
    """Image i's true labels: pattern alternates, colour cycles."""
    return dict(category='jeans' if i % 2 else 'shirt',
                pattern='striped' if i % 4 < 2 else 'solid',
                color=['red', 'blue', 'black'][i % 3])


def write_case(tmp_path, edits=None, score_edits=None):
    """A 40-image catalogue (``edits``: image index -> cells replaced) and
    confident scores of the true labels (``score_edits`` likewise); the
    model is surest of the edited images (confident learning flags a
    label whose contrary is above the class's average confidence)."""
    (tmp_path / 'schema.json').write_text(json.dumps(SCHEMA))
    rng = np.random.default_rng(0)
    rows, scores = [], []
    for i in range(N):
        t = truth(i)
        row = dict(image=f'im{i:02d}.jpg', category=t['category'],
                   pattern=t['pattern'], color=t['color'],
                   closure='button' if i % 5 else '')  # missing: not audited
        row.update((edits or {}).get(i, {}))
        rows.append(row)
        sure = i in (edits or {})
        conf = 0.99 if sure else 0.9 + 0.05 * rng.random()
        pattern = {v: conf if v == t['pattern'] else 1 - conf
                   for v in ('solid', 'striped')}
        color = {v: conf if v == t['color'] else
                 0.001 if sure else 0.05 * rng.random()
                 for v in ('red', 'blue', 'black')}
        cat = {v: conf if v == t['category'] else 1 - conf
               for v in ('jeans', 'shirt')}
        line = dict(
            image=str(tmp_path / row['image']),
            key=image_key(str(tmp_path / row['image'])),
            scores=dict(category=cat, pattern=pattern, color=color,
                        closure=dict(button=0.8, zip=0.2)))
        line['attributes'] = {
            task: [dict(value=max(s, key=s.get), score=max(s.values()))]
            for task, s in line['scores'].items()}
        for key, value in (score_edits or {}).get(i, {}).items():
            line[key] = value
        scores.append(line)
    ann = tmp_path / 'train.csv'
    with open(ann, 'w', newline='') as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    path = tmp_path / 'oof.jsonl'
    path.write_text(''.join(json.dumps(s) + '\n' for s in scores))
    return str(ann), str(tmp_path / 'schema.json'), str(path)


def test_the_known_wrong_labels_rank_first(tmp_path):
    wrong_pattern = 'solid' if truth(7)['pattern'] == 'striped' else \
        'striped'
    ann, schema, scores = write_case(tmp_path, {
        7: dict(pattern=wrong_pattern),  # single-label error
        12: dict(color='red|black')})  # multi-label error (truth: red)
    rows, summary = audit_catalogue(ann, schema, scores, str(tmp_path))
    first = rows[0]
    assert (first['image'], first['attribute'], first['rank']) == \
        ('im07.jpg', 'pattern', 1)
    assert first['flagged'] and first['kind'] == 'label'
    assert first['values'] == [wrong_pattern]
    assert first['suggested'] == [truth(7)['pattern']]
    colour = [r for r in rows if r['attribute'] == 'color']
    assert (colour[0]['image'], colour[0]['flagged']) == ('im12.jpg', True)
    assert {(r['image'], r['attribute']) for r in rows[:2]} == {
        ('im07.jpg', 'pattern'), ('im12.jpg', 'color')}
    # the other labels are right: none of them flagged
    assert sum(r['flagged'] for r in rows) == 2
    assert summary['pattern']['checked'] == N
    assert summary['pattern']['flagged'] == 1
    # missing closure cells (every 5th image) are not audited
    assert summary['closure']['labels'] == summary['closure']['checked'] == \
        N - N // 5
    assert not any(r['attribute'] == 'closure' and r['image'] == 'im00.jpg'
                   for r in rows)
    assert summary['overall']['flagged'] == 2


def test_schema_findings_are_not_model_opinions(tmp_path):
    ann, schema, scores = write_case(tmp_path, {
        2: dict(closure='zip'),  # zip is for jeans; image 2 is a shirt
        3: dict(color='purple'),  # unknown value
        4: dict(pattern='solid|striped'),  # single-label, two values
    })
    rows, summary = audit_catalogue(ann, schema, scores, str(tmp_path))
    found = {(r['image'], r['attribute']): r for r in rows
             if r['kind'] != 'label'}
    assert found[('im02.jpg', 'closure')]['kind'] == 'schema'
    assert "do not apply to category 'shirt'" in found[
        ('im02.jpg', 'closure')]['reason']
    assert found[('im03.jpg', 'color')]['kind'] == 'unknown_value'
    assert found[('im04.jpg', 'pattern')]['kind'] == 'schema'
    assert len(found) == 3
    assert all(r['score'] == 1.0 and r['flagged'] for r in found.values())
    assert [r['rank'] for r in rows[:3]] == [1, 2, 3]
    assert {(r['image'], r['attribute']) for r in rows[:3]} == set(found)
    assert summary['closure']['schema_errors'] == 1
    assert summary['color']['unknown_values'] == 1
    # not also given to cleanlab
    assert summary['color']['checked'] == N - 1


def test_an_unknown_category_is_a_finding_for_its_row(tmp_path):
    ann, schema, scores = write_case(tmp_path, {5: dict(category='hat')})
    rows, _ = audit_catalogue(ann, schema, scores, str(tmp_path))
    kinds = {r['attribute']: r['kind'] for r in rows
             if r['image'] == 'im05.jpg'}
    assert kinds['category'] == 'unknown_value'
    assert kinds['pattern'] == kinds['color'] == 'schema'


def test_bad_rows_name_file_and_line(tmp_path):
    ann, schema, scores = write_case(tmp_path)
    with open(scores, 'a') as f:
        f.write(json.dumps(dict(image=str(tmp_path / 'other.jpg'),
                                scores={}, attributes={})) + '\n')
    with pytest.raises(ValueError, match=rf'oof.jsonl:{N + 1}: image .*'
                       'other.jpg.* not in the catalogue'):
        audit_catalogue(ann, schema, scores, str(tmp_path))
    ann, schema, scores = write_case(tmp_path, score_edits={
        3: dict(scores=dict(category={}, pattern={}, color={},
                            closure={}))})
    with pytest.raises(ValueError, match=r'oof.jsonl:4: scores of '
                       "'category'"):
        audit_catalogue(ann, schema, scores, str(tmp_path))
    with pytest.raises(ValueError, match='not in the catalogue.*'
                       '--img-prefix'):
        audit_catalogue(ann, schema, scores, str(tmp_path / 'elsewhere'))
    with open(ann, 'a') as f:
        f.write('im01.jpg,jeans,solid,red,\n')
    with pytest.raises(AnnotationError, match=rf'train.csv:{N + 2}: '
                       "duplicate image 'im01.jpg'"):
        read_catalogue(ann, AttributeSchema.from_file(schema))


def test_unreadable_images_are_counted_not_audited(tmp_path):
    ann, schema, scores = write_case(tmp_path, score_edits={
        6: dict(error='ImageDecodeError: truncated')})
    rows, summary = audit_catalogue(ann, schema, scores, str(tmp_path))
    assert summary['overall']['images_unreadable'] == 1
    assert summary['pattern']['not_scored'] == 1
    assert not any(r['image'] == 'im06.jpg' for r in rows)


def test_outputs_carry_the_rows(tmp_path):
    from PIL import Image
    ann, schema, scores = write_case(tmp_path, {
        7: dict(pattern='solid' if truth(7)['pattern'] == 'striped'
                else 'striped'), 2: dict(closure='zip')})
    Image.new('RGB', (40, 30), (200, 10, 10)).save(tmp_path / 'im07.jpg')
    rows, summary = audit_catalogue(ann, schema, scores, str(tmp_path))
    out = tmp_path / 'issues.csv'
    assert write_issues_csv(str(out), rows) == 2
    with open(out) as f:
        listed = list(csv.DictReader(f))
    assert [(r['rank'], r['image'], r['attribute'], r['kind'])
            for r in listed] == [('1', 'im02.jpg', 'closure', 'schema'),
                                 ('2', 'im07.jpg', 'pattern', 'label')]
    assert listed[1]['suggested_value'] == truth(7)['pattern']
    assert write_issues_csv(str(out), rows, all_labels=True) == len(rows)
    page = tmp_path / 'audit.html'
    assert write_html(str(page), rows, summary=summary) == 2
    text = page.read_text()
    assert '<h2>Fold models</h2>' in text  # accuracy beside the majority's
    assert '<td>pattern</td><td>40</td><td>0.975 (0.525)</td>' in text
    assert '<p class="warning">closure: every label has the same' in text
    assert '<td>shirt</td><td>closure</td>' in text  # the category column
    assert 'im07.jpg' in text and 'im02.jpg' in text
    assert text.count('<tr class=') == 2
    assert 'data:image/jpeg;base64,' in text  # im07's thumbnail
    assert '(unreadable)' in text  # im02.jpg has no file
    assert '<option>pattern</option>' in text and 'data-score=' in text
    assert osp.getsize(page) < 50_000


def test_attributes_are_judged_within_the_sellers_category(tmp_path):
    """Unmasked scores that favour 'zip' everywhere: for a shirt (zip not
    allowed) the seller's 'button' is the only choice, so it is not
    suspect; for jeans it is."""
    ann, schema, scores = write_case(tmp_path)
    lines = [json.loads(x) for x in open(scores)]
    for line in lines:
        line['scores']['closure'] = dict(button=0.05, zip=0.95)
        line['attributes']['closure'] = [dict(value='zip', score=0.95)]
    with open(scores, 'w') as f:
        f.writelines(json.dumps(x) + '\n' for x in lines)
    # uncalibrated: the scores as given (calibration rescales them)
    rows, _ = audit_catalogue(ann, schema, scores, str(tmp_path),
                              calibrate=False)
    closure = {r['image']: r for r in rows if r['attribute'] == 'closure'}
    shirt, jeans = closure['im02.jpg'], closure['im01.jpg']
    assert shirt['score'] == pytest.approx(0) and not shirt['flagged']
    assert shirt['suggested'] == ['button']
    assert jeans['score'] == pytest.approx(0.95)
    assert jeans['suggested'] == ['zip']


def _rewrite_scores(path, edit):
    lines = [json.loads(x) for x in open(path)]
    for i, line in enumerate(lines):
        edit(i, line)
    with open(path, 'w') as f:
        f.writelines(json.dumps(x) + '\n' for x in lines)


def test_an_untrusted_attribute_is_ranked_after_the_trusted_ones(tmp_path):
    """Pattern scores that ignore the image (a coin toss each, some very
    sure): no better than always answering the category's most frequent
    value, so its flags go after the trusted colour error, with a warning
    in the summary; without the trust rule they would come first."""
    ann, schema, scores = write_case(tmp_path, {12: dict(color='red|black')})
    rng = np.random.default_rng(1)

    def coin(i, line):
        p = float(rng.choice([0.001, 0.3, 0.7, 0.999]))
        line['scores']['pattern'] = dict(solid=p, striped=1 - p)
    _rewrite_scores(scores, coin)
    rows, summary = audit_catalogue(ann, schema, scores, str(tmp_path))
    pattern = summary['pattern']
    assert not pattern['fold_model']['trusted']
    assert pattern['fold_model']['skill'] < 0.1
    assert 'not clearly better than the majority baseline' in \
        pattern['warning']
    # closure: 'button' on every labelled row, nothing to tell apart
    assert summary['overall']['untrusted'] == ['pattern', 'closure']
    assert summary['category']['fold_model']['trusted']
    assert summary['category']['fold_model']['accuracy'] == 1
    assert summary['category']['fold_model']['majority_accuracy'] == 0.5
    assert (rows[0]['image'], rows[0]['attribute']) == ('im12.jpg', 'color')
    last_trusted = max(r['rank'] for r in rows
                       if r['attribute'] in ('category', 'color'))
    assert min(r['rank'] for r in rows if r['attribute'] == 'pattern') > \
        last_trusted
    plain, _ = audit_catalogue(ann, schema, scores, str(tmp_path),
                               calibrate=False, min_skill=-np.inf)
    assert plain[0]['attribute'] == 'pattern'  # the coin's surest misses


def test_calibration_puts_attributes_on_one_scale(tmp_path):
    """Category scores that are always 0.999 sure and wrong on 8 of 40
    images (an overconfident model, still better than the baseline) and a
    single pattern error at 0.99: calibrated, the pattern error ranks
    first; uncalibrated, the category model's misses do."""
    ann, schema, scores = write_case(tmp_path, {
        7: dict(pattern='solid' if truth(7)['pattern'] == 'striped'
                else 'striped')})

    def overconfident(i, line):
        right = truth(i)['category']
        wrong = 'shirt' if right == 'jeans' else 'jeans'
        guess = wrong if i % 5 == 1 else right
        line['scores']['category'] = {guess: 0.999, (
            wrong if guess == right else right): 0.001}
    _rewrite_scores(scores, overconfident)
    rows, summary = audit_catalogue(ann, schema, scores, str(tmp_path))
    model = summary['category']['fold_model']
    assert model['trusted'] and model['accuracy'] == 0.8
    assert model['temperature'] > 2
    assert (rows[0]['image'], rows[0]['attribute']) == ('im07.jpg', 'pattern')
    plain, _ = audit_catalogue(ann, schema, scores, str(tmp_path),
                               calibrate=False)
    assert plain[0]['attribute'] == 'category'
