"""The review without a browser: issues.csv joined with the catalogue (and
refused when it is not that catalogue's), corrections checked against the
schema, and the export: the catalogue with exactly the decided cells
changed (CSV and JSON Lines) plus the decisions log."""
import csv
import json
import os.path as osp

import pytest

from mmfashion_attr.errors import UserInputError
from mmfashion_attr.review import DecisionStore, export_review
from tests.helpers.review_fixture import load_review


def _rows(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


def test_items_joined_with_the_catalogue(review_files):
    review = load_review(review_files)
    assert [(i.image, i.attribute, i.category, list(i.seller),
             list(i.suggested), i.kind) for i in review.items] == [
        (d['image'], d['attribute'], d['category'], d['seller'],
         d['suggested'], d['kind']) for d in review_files['items']]
    assert [i.id for i in review.items] == list(range(1, 8))
    # the catalogue names row 2 './train/000001.jpg': one image
    assert review.image_files['train/000001.jpg'] == osp.join(
        review_files['img_prefix'], 'train/000001.jpg')
    assert review.summary['pattern']['checked'] == 6
    # corrections: the schema's per-category values
    assert review.choices('length', 'jeans') == ['mini', 'knee', 'ankle']
    assert review.choices('distressed', 'shirt') == []
    assert 'do not apply to category' in review.problem(
        'length', ['long'], 'jeans')
    assert 'single-label' in review.problem('length', ['mini', 'knee'],
                                            'jeans')
    assert 'unknown value' in review.problem('length', ['huge'], 'jeans')
    assert review.problem('length', [], 'jeans') is None  # missing
    assert 'exactly one' in review.problem('category', [], '')
    assert 'not in the schema' in review.problem('category', ['hat'], '')
    assert review.problem('category', ['jeans'], '') is None


@pytest.mark.parametrize('edit, message', [
    (lambda r: r[1].__setitem__(1, 'train/999.jpg'),
     r"issues.csv:2: image 'train/999.jpg' is not in the catalogue"),
    (lambda r: r[2].__setitem__(3, 'checked'),
     r"issues.csv:3: seller value 'checked' of .* catalogue has 'solid'"),
    (lambda r: r[2].__setitem__(2, 'sparkle'),
     r"issues.csv:3: attribute 'sparkle' is not in the schema"),
    (lambda r: r.append(list(r[2])), r'issues.csv:9: .* listed twice'),
    (lambda r: [row.pop(4) for row in r],
     r"issues.csv: missing column\(s\) \['suggested_value'\]"),
    (lambda r: r[3].__setitem__(5, 'high'),
     r"issues.csv:4: could not convert string to float: 'high'"),
])
def test_issues_of_another_catalogue_refused(review_files, edit, message):
    path = osp.join(review_files['audit'], 'issues.csv')
    rows = _rows(path)
    edit(rows)
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(UserInputError, match=message):
        load_review(review_files)


def decide_all(review, store):
    """Every kind of decision; returns the cells expected to change."""
    items = review.items
    d = {i.id: i for i in items}

    def put(item_id, decision, values):
        i = d[item_id]
        store.decide(i.image, i.attribute, decision, values, i.seller,
                     i.suggested)

    put(1, 'correct', [])  # distressed of a shirt: removed
    put(2, 'accept', list(d[2].suggested))
    put(3, 'reject', list(d[3].seller))
    put(4, 'correct', ['long'])
    put(5, 'accept', list(d[5].suggested))
    put(5, 'undo', [])  # undone: unchanged
    put(6, 'correct', ['red'])
    put(7, 'accept', list(d[7].suggested))
    return {(d[1].image, 'distressed'): '', (d[2].image, d[2].attribute):
            d[2].suggested[0], (d[4].image, d[4].attribute): 'long',
            (d[6].image, 'color'): 'red',
            (d[7].image, 'category'): d[7].suggested[0]}


def test_export_csv(review_files, tmp_path):
    review = load_review(review_files)
    store = DecisionStore(str(tmp_path / 'r.sqlite'), review_files['ann'])
    expected = decide_all(review, store)
    out = export_review(review, store, str(tmp_path / 'out'))
    assert out['corrected'] == str(tmp_path / 'out' / 'catalogue.corrected'
                                   '.csv')
    assert (out['cells_changed'], out['log_entries'], out['decided'],
            out['accept'], out['reject'], out['correct']) == \
        (5, 8, 6, 2, 1, 3)
    before, after = _rows(review_files['ann']), _rows(out['corrected'])
    assert after[0] == before[0] and len(after) == len(before)
    header = before[0]
    changed = {}
    for old, new in zip(before[1:], after[1:]):
        assert old[0] == new[0]  # image names as written ('./' kept)
        for k, (a, b) in enumerate(zip(old, new)):
            if a != b:
                changed[old[0].lstrip('./'), header[k]] = b
    assert changed == expected
    log = list(csv.DictReader(open(out['decisions_log'])))
    assert [(r['seq'], r['decision']) for r in log] == [
        ('1', 'correct'), ('2', 'accept'), ('3', 'reject'), ('4', 'correct'),
        ('5', 'accept'), ('6', 'undo'), ('7', 'correct'), ('8', 'accept')]
    first = review.items[0]
    assert log[0] == dict(
        seq='1', time=log[0]['time'], image=first.image,
        attribute='distressed', category=first.category, decision='correct',
        value='', seller_value='rips', suggested_value='',
        score='1.0000', kind='schema', rank='1')
    assert log[6]['value'] == 'red' and log[6]['seller_value'] == 'black|red'


def test_export_jsonl(review_files, tmp_path):
    """A JSON Lines catalogue: exported as JSON Lines, a list stays a list,
    a removed label is null."""
    rows = list(csv.DictReader(open(review_files['ann'])))
    ann = osp.join(osp.dirname(review_files['ann']), 'catalogue.jsonl')
    with open(ann, 'w') as f:
        for row in rows:
            attrs = {k: (v.split('|') if k == 'color' else v)
                     for k, v in row.items()
                     if k not in ('image', 'category') and v}
            f.write(json.dumps(dict(image=row['image'],
                                    category=row['category'],
                                    attributes=attrs)) + '\n')
    review = load_review(dict(review_files, ann=ann))
    store = DecisionStore(str(tmp_path / 'r.sqlite'), ann)
    expected = decide_all(review, store)
    out = export_review(review, store, str(tmp_path / 'out'))
    assert out['corrected'].endswith('catalogue.corrected.jsonl')
    before = [json.loads(line) for line in open(ann)]
    after = [json.loads(line) for line in open(out['corrected'])]
    changed = {}
    for old, new in zip(before, after):
        image = old['image'].lstrip('./')
        if old['category'] != new['category']:
            changed[image, 'category'] = new['category']
        for k in set(old['attributes']) | set(new['attributes']):
            a, b = old['attributes'].get(k), new['attributes'].get(k)
            if a != b:
                changed[image, k] = b
    assert changed == {k: (['red'] if k[1] == 'color' else v or None)
                       for k, v in expected.items()}


def test_catalogue_changed_since_the_decision(review_files, tmp_path):
    review = load_review(review_files)
    store = DecisionStore(str(tmp_path / 'r.sqlite'), review_files['ann'])
    item = review.items[1]
    store.decide(item.image, item.attribute, 'accept', list(item.suggested),
                 item.seller, item.suggested)
    rows = _rows(review_files['ann'])
    k = rows[0].index(item.attribute)
    rows[item.line - 1][k] = 'polka_dot'
    with open(review_files['ann'], 'w', newline='') as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / 'out'
    with pytest.raises(UserInputError, match=f'catalogue.csv:{item.line}: '
                       ".*is 'polka_dot', but the decision .* was made on "
                       f"'{item.seller[0]}'"):
        export_review(review, store, str(out))
    assert not (out / 'catalogue.corrected.csv').exists()
