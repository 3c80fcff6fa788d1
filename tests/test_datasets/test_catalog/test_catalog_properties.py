"""Property-based tests of the catalogue parsers: random schemas and rows
either round-trip to exactly the right labels and masks, or fail with an
``AnnotationError`` naming file:row. Never a silently different label."""
import csv
import io
import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmfashion_attr.datasets import AnnotationError, CatalogAttrDataset

# names: any unicode letters, digits, spaces, quotes, commas, newlines inside
NAME = st.text(
    st.characters(blacklist_categories=('Cs', 'Cc'), blacklist_characters='|',
                  whitelist_characters=' ,"\'\n'),
    min_size=1, max_size=8).map(str.strip).filter(bool)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@st.composite
def catalogues(draw):
    names = draw(st.lists(NAME, min_size=2, max_size=12, unique=True))
    categories = names[:draw(st.integers(1, 3))]
    attributes = []
    for k in range(draw(st.integers(1, 3))):
        values = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
        attributes.append(dict(name=f'attr {k} "ü"', values=values,
                               multi_label=draw(st.booleans())))
    rows = []
    for i in range(draw(st.integers(1, 6))):
        category = draw(st.sampled_from(categories + ['']))
        labels = {}
        for a in attributes:
            k = 1 if not a['multi_label'] else len(a['values'])
            labels[a['name']] = draw(st.lists(
                st.sampled_from(a['values']), max_size=k, unique=True))
        rows.append(dict(image=f'img {i}, "x".jpg', category=category,
                         labels=labels))
    dropped = draw(st.sets(st.sampled_from([a['name'] for a in attributes])))
    return dict(categories=categories, attributes=attributes, rows=rows,
                dropped=dropped, quoting=draw(st.sampled_from(
                    [csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
                pad=draw(st.sampled_from(['', ' ', '  '])))


def expected(cat):
    tasks = [('category', cat['categories'])] + [
        (a['name'], a['values']) for a in cat['attributes']]
    gts, masks = [], []
    for row in cat['rows']:
        gt, mask = [], []
        for name, values in tasks:
            chosen = [row['category']] if name == 'category' else \
                ([] if name in cat['dropped'] else row['labels'][name])
            chosen = [c for c in chosen if c]
            gt += [int(v in chosen) for v in values]
            mask.append(bool(chosen))
        gts.append(gt)
        masks.append(mask)
    return np.array(gts, np.uint8), np.array(masks)


def write_csv(cat):
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=cat['quoting'])
    kept = [a for a in cat['attributes'] if a['name'] not in cat['dropped']]
    writer.writerow(['image', 'category'] + [a['name'] for a in kept])
    pad = cat['pad']
    for row in cat['rows']:
        writer.writerow([row['image'], pad + row['category']] + [
            '|'.join(pad + v + pad for v in row['labels'][a['name']])
            for a in kept])
    return buf.getvalue()


def write_jsonl(cat):
    lines = []
    for k, row in enumerate(cat['rows']):
        attrs = {a['name']: (row['labels'][a['name']] if k % 2 else
                             '|'.join(row['labels'][a['name']]))
                 for a in cat['attributes'] if a['name'] not in cat['dropped']}
        lines.append(json.dumps(dict(image=row['image'],
                                     category=row['category'] or None,
                                     attributes=attrs), ensure_ascii=k % 2))
    return '\n'.join(lines) + '\n'


def load(tmp_path, cat, text, name):
    schema = dict(categories=cat['categories'], attributes=cat['attributes'])
    (tmp_path / 'schema.json').write_text(json.dumps(schema),
                                          encoding='utf-8')
    (tmp_path / name).write_text(text, encoding='utf-8', newline='')
    return CatalogAttrDataset(ann_file=name, schema_file='schema.json',
                              data_root=str(tmp_path), check_images=False)


def labels_of(ds):
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    return (np.stack([d['gt_attr'] for d in infos]),
            np.stack([d['gt_attr_mask'] for d in infos]))


@pytest.mark.parametrize('fmt', ['csv', 'jsonl'])
@SETTINGS
@given(cat=catalogues())
def test_round_trip_exact_labels(tmp_path, fmt, cat):
    text = write_csv(cat) if fmt == 'csv' else write_jsonl(cat)
    ds = load(tmp_path, cat, text, f'ann.{fmt}')
    gt, mask = labels_of(ds)
    want_gt, want_mask = expected(cat)
    np.testing.assert_array_equal(gt, want_gt)
    np.testing.assert_array_equal(mask, want_mask)
    assert [ds.get_data_info(i)['img_path'] for i in range(len(ds))] == [
        str(tmp_path / r['image']) for r in cat['rows']]


CORRUPTIONS = ['unknown value', 'extra cell', 'missing cell',
               'duplicate column', 'unknown category', 'two single values']


@SETTINGS
@given(cat=catalogues(), corruption=st.sampled_from(CORRUPTIONS),
       data=st.data())
def test_corrupt_csv_fails_naming_file_and_row(tmp_path, cat, corruption,
                                               data):
    kept = [a for a in cat['attributes'] if a['name'] not in cat['dropped']]
    rows = list(csv.reader(io.StringIO(write_csv(cat))))
    r = data.draw(st.integers(1, len(rows) - 1))
    line = None
    if corruption == 'unknown value' and kept:
        rows[r][2] = rows[r][2] + '|' + '\u2603 not a value'
        line = r
    elif corruption == 'extra cell':
        rows[r].append('x')
        line = r
    elif corruption == 'missing cell':
        rows[r].pop()
        line = r
    elif corruption == 'duplicate column' and kept:
        for row in rows:
            row.append(row[2])
        line = 0
    elif corruption == 'unknown category':
        rows[r][1] = '\u2603 not a category'
        line = r
    elif corruption == 'two single values':
        singles = [k for k, a in enumerate(kept, 2) if not a['multi_label']
                   and len(a['values']) > 1]
        if singles:
            k = singles[0]
            rows[r][k] = '|'.join(kept[k - 2]['values'][:2])
            line = r
    if line is None:
        return  # this corruption does not apply to this catalogue
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL).writerows(rows)
    # a quoted cell may span several physical lines: the error names the
    # line where the record ends, as csv.reader counts them
    reader = csv.reader(io.StringIO(buf.getvalue()))
    for _ in range(line + 1):
        next(reader)
    with pytest.raises(AnnotationError,
                       match=re.escape(f'ann.csv:{reader.line_num}:')):
        load(tmp_path, cat, buf.getvalue(), 'ann.csv')
