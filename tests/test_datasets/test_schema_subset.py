import json

import numpy as np
import pytest

from mmfashion_attr.datasets import (AttributeSchema, CatalogAttrDataset,
                                     SchemaError)
from mmfashion_attr.datasets.schema_subset import SchemaSubset
from mmfashion_attr.models.heads import MultiTaskMaskedHead

SCHEMA = dict(
    categories=['t-shirt', 'jeans', 'shirt'],
    attributes=[
        dict(name='color', values=['red', 'blue'], multi_label=True),
        dict(name='length', values=['cropped', 'long', 'ankle'],
             multi_label=False,
             value_categories=dict(cropped=['t-shirt', 'shirt'],
                                   long=['t-shirt', 'shirt'],
                                   ankle=['jeans'])),
        dict(name='neck', values=['round', 'collar'], multi_label=False,
             categories=['t-shirt', 'shirt'],
             value_categories=dict(collar=['shirt'])),
        dict(name='distressed', values=['none', 'rips'], multi_label=False,
             categories=['jeans']),
    ])
ROWS = ('image,category,color,length,neck,distressed\n'
        'a.jpg,jeans,red|blue,ankle,,rips\n'
        'b.jpg,shirt,blue,long,collar,\n'
        'c.jpg,,red,,,\n'
        'd.jpg,t-shirt,,cropped,round,\n'
        'e.jpg,jeans,,,,none\n')


def schema():
    return AttributeSchema(**SCHEMA)


def test_article_subset_defaults():
    tops = SchemaSubset(schema(), categories=['shirt', 't-shirt'])
    assert [t['name'] for t in tops.schema.tasks] == [
        'category', 'color', 'length', 'neck']
    assert tops.schema.categories == ['t-shirt', 'shirt']  # schema order
    assert tops.schema.tasks[2]['classes'] == ['cropped', 'long']
    # full layout: category 0-2, color 3-4, length 5-7, neck 8-9, distr. 10-11
    np.testing.assert_array_equal(tops.columns, [0, 2, 3, 4, 5, 6, 8, 9])
    np.testing.assert_array_equal(tops.dropped_columns(), [1, 7])
    jeans = SchemaSubset(schema(), categories=['jeans'])
    # one category: no category task, values of jeans only, no masks needed
    assert [(t['name'], t['classes']) for t in jeans.schema.tasks] == [
        ('color', ['red', 'blue']), ('length', ['ankle']),
        ('distressed', ['none', 'rips'])]
    assert jeans.schema.category_task is None


def test_subset_errors():
    with pytest.raises(SchemaError, match='dress'):
        SchemaSubset(schema(), categories=['dress'])
    with pytest.raises(SchemaError, match='sleeve'):
        SchemaSubset(schema(), tasks=['sleeve'])
    with pytest.raises(SchemaError, match='apply to none'):
        SchemaSubset(schema(), categories=['jeans'], tasks=['neck'])


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'schema.json').write_text(json.dumps(SCHEMA))
    (tmp_path / 'ann.csv').write_text(ROWS)
    (tmp_path / 'img').mkdir()
    for name in 'abcde':
        (tmp_path / 'img' / f'{name}.jpg').write_bytes(b'')
    return tmp_path


def dataset(root, subset=None):
    return CatalogAttrDataset(ann_file='ann.csv', schema_file='schema.json',
                              data_root=str(root), data_prefix='img',
                              subset=subset)


def test_dataset_subset_rows_and_columns(root):
    full = dataset(root)
    tops = dataset(root, dict(categories=['t-shirt', 'shirt']))
    sub = tops.subset
    # b and d: the tops; c has no category and is left out, not guessed
    images = [tops.get_data_info(i)['img_path'][-5:] for i in range(len(tops))]
    assert images == ['b.jpg', 'd.jpg']
    for i, j in ((0, 1), (1, 3)):
        np.testing.assert_array_equal(tops.get_data_info(i)['gt_attr'],
                                      full.get_data_info(j)['gt_attr'][
                                          sub.columns])
        np.testing.assert_array_equal(
            tops.get_data_info(i)['gt_attr_mask'],
            full.get_data_info(j)['gt_attr_mask'][sub.task_index])
    assert tops.metainfo['tasks'] == sub.schema.tasks
    one = dataset(root, dict(categories=['jeans'], tasks=['distressed']))
    assert [one.get_data_info(i)['gt_attr'].tolist()
            for i in range(len(one))] == [[0, 1], [1, 0]]


def test_head_subset_matches_dataset(root):
    subset = dict(categories=['t-shirt', 'shirt'], tasks=['category', 'neck'])
    ds = dataset(root, subset)
    head = MultiTaskMaskedHead(in_channels=8,
                               schema_file=str(root / 'schema.json'),
                               subset=subset, value_masks=True,
                               hidden_dims=())
    assert [(t['name'], t['num_classes']) for t in head.tasks] == [
        (t['name'], len(t['classes'])) for t in ds.metainfo['tasks']]
    assert head.num_classes == len(ds.get_data_info(0)['gt_attr'])
    # value masks follow the subset: collar only for shirts
    np.testing.assert_array_equal(head.allowed.numpy(),
                                  [[1, 1, 1, 0], [1, 1, 1, 1]])
    flat = MultiTaskMaskedHead(in_channels=8,
                               schema_file=str(root / 'schema.json'),
                               subset=subset, sigmoid_all=True,
                               hidden_dims=())
    assert all(t['sigmoid'] for t in flat.tasks)  # scores and loss
    assert [t['multi_label'] for t in flat.tasks] == [  # labels: schema's
        t['multi_label'] for t in ds.metainfo['tasks']]
