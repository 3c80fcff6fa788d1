import json

import numpy as np
import pytest

from mmfashion_attr.datasets import AttributeSchema, SchemaError


def test_allowed_mask_follows_categories():
    schema = AttributeSchema(
        categories=['jeans', 'pyjamas', 'trousers'],
        attributes=[dict(name='closure',
                         values=['button', 'zip', 'drawstring', 'elastic'],
                         value_categories=dict(
                             button=['jeans', 'trousers'],
                             zip=['jeans', 'trousers'],
                             drawstring=['pyjamas', 'trousers'],
                             elastic=['pyjamas', 'trousers']))])
    mask = schema.allowed_mask()
    np.testing.assert_array_equal(mask[:, 3:], [[1, 1, 0, 0], [0, 0, 1, 1],
                                                [1, 1, 1, 1]])
    assert mask[:, :3].all()  # the category task itself


@pytest.mark.parametrize('spec,message', [
    (dict(attributes=[dict(name='x', values=[])]), 'non-empty "values"'),
    (dict(categories=['a'], attributes=[dict(name='x', values=['1'],
                                             categories=['b'])]),
     "unknown category 'b'"),
    (dict(attributes=[dict(name='x', values=['1', '1'])]), 'duplicate'),
    (dict(attributes=[dict(name='x', values=['1']),
                      dict(name='x', values=['2'])]), 'duplicate attribute'),
    ([1, 2], 'expected an object'),
])
def test_malformed_schema_names_file(tmp_path, spec, message):
    path = tmp_path / 'schema.json'
    path.write_text(json.dumps(spec))
    with pytest.raises(SchemaError, match=message) as err:
        AttributeSchema.from_file(str(path))
    assert str(path) in str(err.value)


def test_schema_not_json(tmp_path):
    path = tmp_path / 'schema.json'
    path.write_text('{')
    with pytest.raises(SchemaError, match='not valid JSON'):
        AttributeSchema.from_file(str(path))


def test_roi_and_granularity_groups(tmp_path):
    from mmfashion_attr.datasets.synthfashion import schema_dict
    path = tmp_path / 'schema.json'
    path.write_text(json.dumps(schema_dict()))
    schema = AttributeSchema.from_file(str(path))
    groups = schema.task_groups()
    assert groups['category'] == dict(roi='large', granularity='coarse')
    assert groups['neck_type'] == dict(roi='small', granularity='fine')
    assert {g['roi'] for g in groups.values()} == {'small', 'large'}
    assert {g['granularity'] for g in groups.values()} == {'coarse', 'fine'}
    assert schema.to_dict()['attributes'][0]['roi'] == 'large'  # round trip
    with pytest.raises(SchemaError, match="'pattern' has roi 'medium'"):
        AttributeSchema([dict(name='pattern', values=['a'], roi='medium')])
    plain = AttributeSchema([dict(name='pattern', values=['a'])])
    assert plain.task_groups() == {'pattern': {}}
