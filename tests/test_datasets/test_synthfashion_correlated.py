"""SynthFashion --correlated: the dependencies docs/datasets.md states hold
in the generated data (the DeepFashion-C export included), their
probabilities are the stated ones, and pattern tells the shape / part
attributes beyond the category only with --correlated."""
import collections
import json
import math

import numpy as np
import pytest

from mmfashion_attr.datasets.deepfashion_c.dataset import DeepFashionCDataset
from mmfashion_attr.datasets.schema import AttributeSchema
from mmfashion_attr.datasets.synthfashion import (generate, is_current,
                                                  sample_labels, schema_dict)
from mmfashion_attr.datasets.synthfashion.correlated import \
    sample_correlated_labels

N = 6000  # label draws (no images): about 0.1 s per 1000


def draws(sample, n=N):
    return [sample(np.random.default_rng([7, i])) for i in range(n)]


@pytest.fixture(scope='module')
def correlated():
    return draws(sample_correlated_labels)


def conditional_mi(rows, x, y):
    """Plug-in I(x; y | category) in bits."""
    groups = collections.defaultdict(list)
    for r in rows:
        groups[r['category']].append((x(r), y(r)))
    total = 0.0
    for pairs in groups.values():
        joint = collections.Counter(pairs)
        cx = collections.Counter(a for a, _ in pairs)
        cy = collections.Counter(b for _, b in pairs)
        m = len(pairs)
        total += sum(k / len(rows) * math.log2(k * m / (cx[a] * cy[b]))
                     for (a, b), k in joint.items())
    return total


def value(name):
    return lambda r: (tuple(r[name]) if isinstance(r.get(name), list) else
                      r.get(name))


def test_truth_within_the_schema(correlated):
    spec = schema_dict()
    schema = AttributeSchema(spec['attributes'], spec['categories'])
    names = {a['name'] for a in spec['attributes']}
    for truth in correlated[:2000]:
        allowed = schema.allowed_values(truth['category'])
        assert set(truth) - {'category'} <= names
        assert set(truth) - {'category'} >= set(allowed) - {
            'sleeve_style'}  # every applicable attribute but sleeve style
        for name, v in truth.items():
            if name != 'category':
                values = v if isinstance(v, list) else [v]
                assert set(values) <= set(allowed[name]), (truth, name)


def frequency(rows, event, given):
    sub = [r for r in rows if given(r)]
    return np.mean([event(r) for r in sub]), len(sub)


@pytest.mark.parametrize('event,given,p', [
    # 4: the look of shirts and trousers
    (lambda r: r['neck_type'] == 'collar',
     lambda r: r['category'] == 'shirt', 0.6),
    (lambda r: r['pattern'] == 'checked',
     lambda r: r['category'] == 'shirt' and r['neck_type'] != 'collar', 0.7),
    (lambda r: r['closure'] == ['button', 'zip'],
     lambda r: r['category'] == 'trousers', 0.5),
    # 1: jeans' colour; 5: rips by colour
    (lambda r: r['color'] == ['blue'], lambda r: r['category'] == 'jeans',
     0.7),
    (lambda r: r['distressed'] == 'rips',
     lambda r: r['category'] == 'jeans' and r['color'] == ['blue'], 0.35),
    # 6: dresses' sleeves by length; 8: skirts' length by closure
    (lambda r: r['sleeve_length'] == 'sleeveless',
     lambda r: r['category'] == 'dress' and r['length'] == 'mini', 0.6),
    (lambda r: r['pattern'] == 'polka_dot',
     lambda r: r['category'] == 'dress' and r['length'] == 'mini', 0.5),
    (lambda r: r['length'] == 'mini',
     lambda r: r['category'] == 'skirt' and r['closure'] == ['zip'], 0.6),
    # 7: t-shirts
    (lambda r: r['neck_type'] == 'henley',
     lambda r: r['category'] == 't-shirt', 0.15),
])
def test_stated_probabilities(correlated, event, given, p):
    freq, n = frequency(correlated, event, given)
    assert abs(freq - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-9, (freq, n)


def test_stated_rules_hold_in_every_draw(correlated):
    for r in correlated:
        cat, colors = r['category'], r['color']
        # 1: pattern and colours
        if r['pattern'] == 'solid':
            assert len(colors) == 1
        elif r['pattern'] == 'checked':
            assert tuple(colors) in (('red', 'black'), ('green', 'blue'),
                                     ('yellow', 'grey'))
        else:
            assert colors[1] == 'white' and colors[0] in {
                'striped': ('blue', 'black', 'red'),
                'polka_dot': ('red', 'pink', 'black')}[r['pattern']]
        # 2: sleeve style only with long sleeves
        assert ('sleeve_style' in r) == (r.get('sleeve_length') == 'long')
        # 3: closure by category
        closure = tuple(r.get('closure', ()))
        assert closure in {'shirt': [('button', )],
                           'jeans': [('button', 'zip')],
                           'trousers': [('button', 'zip'),
                                        ('drawstring', 'elastic')],
                           'skirt': [('zip', ), ('elastic', )]}.get(
                               cat, [()])
        # 5: implications
        if r.get('neck_type') == 'henley' and cat == 't-shirt':
            assert r['sleeve_length'] == 'long'
        if r.get('neck_type') == 'collar' and r.get('sleeve_length') == \
                'long':
            assert r['sleeve_style'] == 'cuffed'
        if r.get('distressed') == 'knee_slit':
            assert r['length'] == 'ankle'
        if r.get('distressed') == 'rips':
            assert colors == ['blue']


def test_pattern_tells_shape_and_part_only_when_correlated(correlated):
    """Given the category, pattern (a texture attribute, given at test
    time) carries information about sleeves, neck, length and closure
    (shape and part attributes) with --correlated; without, the plug-in
    estimate is its small-sample bias (under 0.005 bits here)."""
    independent = draws(sample_labels)
    for name in ('sleeve_length', 'neck_type', 'length', 'closure'):
        assert conditional_mi(correlated, value('pattern'),
                              value(name)) > 0.03, name
        assert conditional_mi(independent, value('pattern'),
                              value(name)) < 0.01, name


def test_deepfashion_c_export_keeps_the_dependencies(tmp_path):
    generate(str(tmp_path), num_train=150, num_val=2, size=32, seed=0,
             num_test=2, deepfashion_c=True, correlated=True)
    assert json.loads((tmp_path / 'synthfashion.json').read_text())[
        'correlated'] is True
    assert is_current(str(tmp_path), 150, 2, 32, 0, 2, deepfashion_c=True,
                      correlated=True)
    assert not is_current(str(tmp_path), 150, 2, 32, 0, 2,
                          deepfashion_c=True)
    train = DeepFashionCDataset(str(tmp_path), 'train')
    names = train.metainfo['attributes']
    states = np.stack([train.get_data_info(i)['attr_states']
                       for i in range(len(train))])

    def col(name):
        return states[:, names.index(name)]

    def labelled(prefix):
        idx = [i for i, n in enumerate(names) if n.startswith(prefix)]
        return (states[:, idx] == 1).any(1)

    checked = 0
    rules = [  # (if this is 1, and that attribute is labelled: that is 1)
        ('sleeve style cuffed', 'sleeve length', 'sleeve length long'),
        ('sleeve style puff', 'sleeve length', 'sleeve length long'),
        ('closure drawstring', 'closure', 'closure elastic'),
        ('pattern striped', 'color', 'color white'),
        ('pattern polka dot', 'color', 'color white'),
        ('distressed knee slit', 'length', 'length ankle'),
        ('distressed rips', 'color', 'color blue'),
        ('neck type collar', 'sleeve style', 'sleeve style cuffed'),
    ]
    for cause, attribute, effect in rules:
        rows = (col(cause) == 1) & labelled(attribute)
        assert (col(effect)[rows] == 1).all(), (cause, effect)
        checked += rows.sum()
    assert checked > 50  # the rules were exercised, not vacuous
    # rule 2 in the other direction: short sleeves, no sleeve style given
    short = col('sleeve length short') == 1
    assert short.any() and not labelled('sleeve style')[short].any()
