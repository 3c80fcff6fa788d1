"""One catalogue reader: training (CatalogAttrDataset, also what
cross_val_scores reads), the label audit, infer_catalog's --ann and
check_catalog give the same error, naming file:line, on the same bad file;
image names are normalised; the checker lists every problem in one pass."""
import os

import numpy as np
import pytest

from mmfashion_attr.analysis.label_audit import read_catalogue
from mmfashion_attr.apis.catalog_inference import catalogue_names
from mmfashion_attr.datasets import AnnotationError, CatalogAttrDataset
from mmfashion_attr.datasets.catalog.check import check_catalogue
from mmfashion_attr.datasets.schema import AttributeSchema

HEADER = b'image,category,closure,neck\n'


def dataset(root, name, **kwargs):
    return CatalogAttrDataset(ann_file=name, schema_file='schema.json',
                              data_root=str(root), data_prefix='img',
                              **kwargs)


def audit(root, name):
    return read_catalogue(str(root / name), AttributeSchema.from_file(
        str(root / 'schema.json')))


def infer(root, name):
    return catalogue_names(str(root / name))


def check(root, name):
    report = check_catalogue(str(root / name), str(root / 'schema.json'))
    if report['problems']:
        raise AnnotationError(report['listed'][0])


READERS = [dataset, audit, infer, check]
BAD = [
    # extra or missing cells: neither dropped nor read as "no label"
    ('ann.csv', HEADER + b'a.jpg,jeans,zip,,x\n', r'ann.csv:2: 5 cells'),
    ('ann.csv', HEADER + b'a.jpg,jeans,zip,\nb.jpg,shirt\n',
     r'ann.csv:3: 2 cells, but the header has 4'),
    # one image under two spellings
    ('ann.csv', HEADER + b'./a.jpg,jeans,,\nb.jpg,jeans,,\na.jpg,jeans,,\n',
     r"ann.csv:4: duplicate image 'a.jpg' \(first at .*ann.csv:2\)"),
    ('ann.jsonl', b'{"image": "a.jpg"}\n{"image": "x//../a.jpg"}\n',
     r"ann.jsonl:2: duplicate image 'a.jpg'"),
    # not UTF-8 (Latin-1, UTF-16): the file and line, not a bare decode error
    ('ann.csv', HEADER + b'a.jpg,jeans,,\nb\xe9.jpg,jeans,,\n',
     r'ann.csv:3: not UTF-8 text \(byte 0xe9 at column 2\)'),
    ('ann.csv', (HEADER + b'a.jpg,jeans,,\n').decode().encode('utf-16'),
     r'ann.csv:1: not UTF-8 text \(byte 0xff at column 1\)'),
    ('ann.jsonl', b'{"image": "a.jpg"}\n{"image": "\\udce9.jpg"}\n',
     r'ann.jsonl:2: a \\u escape of a lone surrogate'),
    # empty, header only: not "no such image" or an empty audit
    ('ann.csv', b'', r'ann.csv: no annotation rows \(the file is empty'),
    ('ann.csv', HEADER, r'ann.csv: no annotation rows'),
    ('ann.jsonl', b'\n\n', r'ann.jsonl: no annotation rows'),
    ('ann.csv', b'image,category,closure,closure\na.jpg,jeans,zip,\n',
     r"ann.csv:1: column 'closure' appears twice \(columns 3 and 4\)"),
    ('ann.csv', HEADER + b'a.jpg,jeans,,\n,jeans,,\n',
     r'ann.csv:3: empty image path'),
    ('ann.jsonl', b'{"image": "a.jpg"}\n{"image": "b.jpg", "category": 1}\n',
     r'ann.jsonl:2: malformed row'),
]


@pytest.mark.parametrize('read', READERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize('name,text,message', BAD)
def test_every_reader_fails_alike_naming_file_and_line(root, read, name,
                                                       text, message):
    (root / name).write_bytes(text)
    with pytest.raises(AnnotationError, match=message):
        read(root, name)


@pytest.mark.parametrize('read', READERS, ids=lambda f: f.__name__)
def test_bom_and_dotted_names_are_read_by_every_reader(root, read):
    (root / 'ann.csv').write_bytes(b'\xef\xbb\xbf' + HEADER +
                                   b'./a.jpg,jeans,zip,\nimg/../b.jpg,,,\n')
    if read is check:
        assert check_catalogue(str(root / 'ann.csv'),
                               str(root / 'schema.json'))['problems'] == 0
    elif read is dataset:
        ds = dataset(root, 'ann.csv')
        assert [ds.get_data_info(i)['img_path'] for i in range(2)] == [
            str(root / 'img' / 'a.jpg'), str(root / 'img' / 'b.jpg')]
    elif read is audit:
        labels, findings, names = audit(root, 'ann.csv')
        assert names == ['a.jpg', 'b.jpg'] and not findings
        assert {c['attribute'] for c in labels} == {'category', 'closure'}
    else:
        assert infer(root, 'ann.csv') == ['a.jpg', 'b.jpg']


def test_unknown_labels_are_findings_of_the_audit_errors_of_training(root):
    (root / 'ann.csv').write_bytes(HEADER + b'a.jpg,jeans,zip|velcro,\n'
                                   b'b.jpg,poncho,button,\n'
                                   b'c.jpg,jeans,zip,round\n')
    with pytest.raises(AnnotationError, match=r"ann.csv:2: unknown value "
                       r"'velcro' for 'closure'"):
        dataset(root, 'ann.csv')
    labels, findings, _ = audit(root, 'ann.csv')
    assert {(f['line'], f['attribute'], f['kind']) for f in findings} == {
        (2, 'closure', 'unknown_value'), (3, 'category', 'unknown_value'),
        (3, 'closure', 'schema'), (4, 'neck', 'schema')}
    assert {(c['line'], c['attribute']) for c in labels} == {
        (2, 'category'), (4, 'category'), (4, 'closure')}


def test_skip_invalid_labels_trains_on_the_valid_ones(root, caplog):
    """cross_val_scores' dataset: a rejected cell is missing, the row's other
    labels stay; structural errors are still errors."""
    (root / 'ann.csv').write_bytes(HEADER + b'a.jpg,jeans,zip|velcro,\n'
                                   b'b.jpg,poncho,button,\n'
                                   b'c.jpg,shirt,zip,collar\n')
    ds = dataset(root, 'ann.csv', invalid_labels='skip')
    gt = [ds.get_data_info(i)['gt_attr'].tolist() for i in range(3)]
    mask = [ds.get_data_info(i)['gt_attr_mask'].tolist() for i in range(3)]
    assert gt == [[1, 0, 0, 0, 0, 0], [0] * 6, [0, 1, 0, 1, 0, 1]]
    assert mask == [[1, 0, 0], [0, 0, 0], [1, 1, 1]]
    (root / 'ann.csv').write_bytes(HEADER + b'a.jpg,jeans,zip\n')
    with pytest.raises(AnnotationError, match='ann.csv:2: 3 cells'):
        dataset(root, 'ann.csv', invalid_labels='skip')


def test_cross_val_scores_reads_a_catalogue_with_unknown_values(root):
    from mmengine.config import Config

    import mmfashion_attr.analysis.out_of_fold as oof
    (root / 'ann.csv').write_bytes(HEADER + b'a.jpg,jeans,velcro,\n'
                                   b'b.jpg,jeans,zip,\nc.jpg,shirt,,round\n')
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='CatalogAttrDataset', ann_file='ann.csv', data_root=str(root),
        schema_file='schema.json', data_prefix='img'))))
    ds = oof.build_train_dataset(cfg)
    assert len(ds) == 3 and not ds.get_data_info(0)['gt_attr_mask'][1]
    fold = oof.fold_config(cfg, [0], 3, str(root / 'f0'), 0)
    assert fold.train_dataloader.dataset.invalid_labels == 'skip'


def test_check_lists_every_problem_with_counts(root):
    rows = [b'a.jpg,jeans,zip|velcro,', b'b.jpg,jeans,zip', b'./a.jpg,,,',
            b'\xe9.jpg,shirt,,', b'missing.jpg,jeans,,round',
            b'c.jpg,dress,,'] + [b'c.jpg,jeans,,,'] * 3
    (root / 'ann.csv').write_bytes(HEADER + b'\n'.join(rows) + b'\n')
    report = check_catalogue(str(root / 'ann.csv'), str(root / 'schema.json'),
                             str(root / 'img'), limit=4)
    assert report['counts'] == dict(
        unknown_value=2, ragged=4, encoding=1, schema=1, duplicate_image=1,
        missing_image=1)
    assert report['problems'] == 10 and report['rows'] == 9
    assert report['listed'] == [
        f"{root}/ann.csv:2: unknown value 'velcro' for 'closure' (allowed: "
        "['button', 'zip']) [unknown_value]",
        f'{root}/ann.csv:3: 3 cells, but the header has 4 columns [ragged]',
        f'{root}/ann.csv:5: not UTF-8 text (byte 0xe9 at column 1); save it '
        'as UTF-8 (Excel: "CSV UTF-8") [encoding]',
        f"{root}/ann.csv:6: attribute 'neck' does not apply to category "
        "'jeans' [schema]"]
    assert check_catalogue(str(root / 'ann.csv'), None)['counts'] == dict(
        ragged=4, encoding=1, duplicate_image=1)


def test_image_check_survives_a_file_name_that_is_not_utf8(root):
    """A Latin-1 name beside the images broke the folder listing."""
    (root / 'img' / os.fsdecode(b'caf\xe9.jpg')).write_bytes(b'')
    (root / 'ann.csv').write_bytes(HEADER + b'a.jpg,jeans,zip,\n')
    np.testing.assert_array_equal(
        dataset(root, 'ann.csv').get_data_info(0)['gt_attr_mask'], [1, 1, 0])
