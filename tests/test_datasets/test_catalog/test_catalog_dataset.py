import json
import os.path as osp

import numpy as np
import pytest

from mmfashion_attr.datasets import AnnotationError, CatalogAttrDataset


def build(root, ann_text, name='ann.csv', encoding='utf-8', **kwargs):
    (root / name).write_bytes(ann_text.encode(encoding))
    return CatalogAttrDataset(ann_file=name, schema_file='schema.json',
                              data_root=str(root), data_prefix='img',
                              **kwargs)


def test_csv_encoding_and_metainfo(root):
    ds = build(root, 'image,category,closure,neck\n'
               'a.jpg,jeans,button|zip,\n'
               'b.jpg,shirt,,collar\n')
    assert ds.metainfo['classes'] == [
        'category/jeans', 'category/shirt', 'closure/button', 'closure/zip',
        'neck/round', 'neck/collar']
    assert [t['name'] for t in ds.metainfo['tasks']] == [
        'category', 'closure', 'neck']
    a, b = ds.get_data_info(0), ds.get_data_info(1)
    np.testing.assert_array_equal(a['gt_attr'], [1, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(a['gt_attr_mask'], [1, 1, 0])
    np.testing.assert_array_equal(b['gt_attr'], [0, 1, 0, 0, 0, 1])
    np.testing.assert_array_equal(b['gt_attr_mask'], [1, 0, 1])
    assert a['img_path'] == osp.join(str(root), 'img', 'a.jpg')


def test_jsonl_matches_csv(root):
    ds = build(root, json.dumps(dict(image='a.jpg', category='jeans',
                                     attributes=dict(closure=['button',
                                                              'zip']))) +
               '\n\n' + json.dumps(dict(image='b.jpg', category='shirt',
                                        attributes=dict(neck='collar'))),
               name='ann.jsonl')
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_attr'],
                                  [1, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(ds.get_data_info(1)['gt_attr_mask'],
                                  [1, 0, 1])


@pytest.mark.parametrize('text,message', [
    ('image,category,closure\na.jpg,jeans,velcro\n',
     r'ann.csv:2: unknown value .velcro. for .closure.'),
    ('image,category,sleeve\na.jpg,jeans,long\n',
     r'ann.csv:1: unknown attribute .sleeve.'),
    ('image,category,closure\na.jpg,dress,zip\n',
     r'ann.csv:2: category .dress. is not in the schema'),
    ('image,category,closure\n', r'ann.csv: no annotation rows'),
    ('', r'ann.csv: no annotation rows'),
    ('image,category,closure\na.jpg,jeans,zip\nb.jpg,jeans,\na.jpg,jeans,\n',
     r'ann.csv:4: duplicate image .a.jpg. \(first at .*ann.csv:2\)'),
    ('image,category,closure\nmissing.jpg,jeans,zip\n',
     r'ann.csv:2: image file .*missing.jpg does not exist'),
    ('image,category,neck\na.jpg,jeans,round\n',
     r'ann.csv:2: attribute .neck. does not apply to category .jeans.'),
    ('image,category,neck\na.jpg,shirt,round|collar\n',
     r'ann.csv:2: .neck. is single-label'),
    ('image,closure\na.jpg,zip\n', r"ann.csv:1: missing column 'category'"),
    ('image,category,closure,neck,closure\na.jpg,shirt,zip,round,\n',
     r"ann.csv:1: column 'closure' appears twice \(columns 3 and 5\)"),
    ('image,category,closure\na.jpg,jeans\n',
     r'ann.csv:2: 2 cells, but the header has 3 columns'),
    ('image,category,closure\na.jpg,jeans,zip,\n',
     r'ann.csv:2: 4 cells, but the header has 3 columns'),
    ('image,category,closure\n"a.jpg,jeans,zip\n',
     r'ann.csv:2: malformed CSV'),
])
def test_bad_annotations_name_file_and_row(root, text, message):
    with pytest.raises(AnnotationError, match=message):
        build(root, text)


def test_malformed_jsonl_row(root):
    with pytest.raises(AnnotationError, match=r'ann.jsonl:2: malformed row'):
        build(root, '{"image": "a.jpg", "category": "jeans"}\n{oops\n',
              name='ann.jsonl')


def test_lazy_init_defers_loading(root):
    ds = build(root, 'image,category,closure\na.jpg,jeans,zip\n',
               lazy_init=True)
    assert not ds._fully_initialized
    assert len(ds) == 1


def test_excel_utf8_bom_parses(root):
    ds = build(root, 'image,category,closure\na.jpg,jeans,zip\n',
               encoding='utf-8-sig')  # Excel's "CSV UTF-8" starts with a BOM
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_attr'],
                                  [1, 0, 0, 1, 0, 0])


@pytest.mark.parametrize('name', ['ann.CSV', 'Ann.Csv'])
def test_extension_is_case_insensitive(root, name):
    ds = build(root, 'image,category,closure\na.jpg,jeans,zip\n', name=name)
    assert len(ds) == 1


def test_unknown_extension_and_non_utf8_are_errors(root):
    with pytest.raises(AnnotationError, match=r"ann.txt: unknown annotation "
                       r"format '.txt'"):
        build(root, 'image,category\na.jpg,jeans\n', name='ann.txt')
    with pytest.raises(AnnotationError, match=r'ann.csv:3: not UTF-8 text '
                       r'\(byte 0xe9 at column 13\)'):
        build(root, 'image,category,closure\na.jpg,jeans,zip\n'
              'b.jpg,jeans,\xe9\n', encoding='latin-1')


@pytest.mark.parametrize('row,message', [
    ('{"image": "a.jpg", "category": "jeans", "attributes": '
     '{"closure": "zip", "closure": "button"}}',
     r"malformed row \(duplicate key.*closure"),
    ('{"image": "a.jpg", "category": "jeans", "attribute": {}}',
     r"unknown key\(s\) \['attribute'\]"),
    ('{"image": "a.jpg", "category": "jeans", "attributes": '
     '{"closure": [1]}}',
     r'attribute values must be a string, a list of strings or null'),
])
def test_jsonl_rows_that_would_lose_labels_are_errors(root, row, message):
    with pytest.raises(AnnotationError, match=r'ann.jsonl:1: ' + message):
        build(root, row + '\n', name='ann.jsonl')


def test_fallback_ann_file_is_read_with_a_warning(root, caplog):
    (root / 'val.csv').write_text('image,category,closure\nb.jpg,jeans,zip\n')
    ds = CatalogAttrDataset(ann_file='test.csv', fallback_ann_file='val.csv',
                            schema_file='schema.json', data_root=str(root),
                            data_prefix='img')
    assert ds.get_data_info(0)['img_path'].endswith('b.jpg')
    with pytest.raises(FileNotFoundError):
        CatalogAttrDataset(ann_file='test.csv', schema_file='schema.json',
                           data_root=str(root), data_prefix='img')


def test_subset_and_indices_keep_rows_aligned(root):
    text = ('image,category,closure\na.jpg,jeans,zip\nb.jpg,shirt,\n'
            'c.jpg,jeans,button\n')
    ds = build(root, text, indices=[2, 0])
    assert [osp.basename(ds.get_data_info(i)['img_path'])
            for i in range(len(ds))] == ['c.jpg', 'a.jpg']
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_attr'],
                                  [1, 0, 1, 0, 0, 0])
    sub = build(root, text).get_subset([1])
    np.testing.assert_array_equal(sub.get_data_info(0)['gt_attr_mask'],
                                  [1, 0, 0])
