import csv
import hashlib
import os
import os.path as osp

import numpy as np
import pytest

from mmfashion_attr.datasets import CatalogAttrDataset
from mmfashion_attr.datasets.synthfashion import (COLORS, generate,
                                                  is_current, make_sample,
                                                  render)


def digest(root):
    h = hashlib.sha1()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(osp.join(dirpath, name), 'rb') as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path):
    generate(str(tmp_path / 'a'), 6, 2, size=48, seed=3)
    generate(str(tmp_path / 'b'), 6, 2, size=48, seed=3, workers=2)
    generate(str(tmp_path / 'c'), 6, 2, size=48, seed=4)
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b')
    assert digest(tmp_path / 'a') != digest(tmp_path / 'c')


def test_labels_carry_the_hard_parts():
    truths, labelled = [], []
    for i in range(300):
        _, truth, lab = make_sample(0, 'train', i, 32)
        truths.append(truth)
        labelled.append(lab)
    cats = [t['category'] for t in truths]
    assert cats.count('t-shirt') > 3 * cats.count('skirt') > 0  # long tail
    assert any(len(t['color']) == 2 for t in truths)  # multi-valued
    assert any(len(t.get('closure', [])) == 2 for t in truths)
    missing_neck = sum('neck_type' in t and 'neck_type' not in lab
                       for t, lab in zip(truths, labelled))
    assert missing_neck > 10  # missing labels
    # category-specific attributes: no distressed outside jeans
    assert all('distressed' not in t for t in truths
               if t['category'] != 'jeans')
    # a sleeve style is only given where there is a sleeve to see
    tops = [t for t in truths if 'sleeve_length' in t]
    assert all(('sleeve_style' in t) == (t['sleeve_length'] != 'sleeveless')
               for t in tops)


def changed_pixels(truth, other):
    """Pixels that differ clearly between two renders (same draw rng)."""
    a, b = (np.asarray(render(t, 128, np.random.default_rng(7)), dtype=int)
            for t in (truth, other))
    return int((np.abs(a - b).sum(-1) > 90).sum())


@pytest.mark.parametrize('color', list(COLORS))
def test_neck_sleeve_distressed_details_visible_on_every_fabric(color):
    top = dict(category='t-shirt', color=[color], pattern='solid',
               length='regular', sleeve_length='short',
               sleeve_style='regular', neck_type='round')
    for key, value in (('sleeve_style', 'cuffed'), ('sleeve_style', 'puff'),
                       ('neck_type', 'v_neck'), ('neck_type', 'collar'),
                       ('neck_type', 'henley')):
        assert changed_pixels(top, {**top, key: value}) >= 6, (key, value)
    jeans = dict(category='jeans', color=[color], pattern='solid',
                 length='ankle', closure=['zip'], distressed='none')
    for value in ('rips', 'knee_slit'):
        assert changed_pixels(jeans, {**jeans, 'distressed': value}) >= 6
    trousers = {**jeans, 'category': 'trousers'}
    del trousers['distressed']
    assert changed_pixels(jeans, trousers) >= 6  # jeans' topstitching


def test_generation_is_recorded(tmp_path):
    out = str(tmp_path / 'synth')
    assert not is_current(out, 4, 2, size=32, seed=0)
    generate(out, 4, 2, size=32, seed=0)
    assert is_current(out, 4, 2, size=32, seed=0)
    assert not is_current(out, 4, 2, size=32, seed=1)
    assert not is_current(out, 5, 2, size=32, seed=0)


def test_output_loads_as_catalogue(synth_root):
    ds = CatalogAttrDataset(ann_file='train.csv', schema_file='schema.json',
                            data_root=synth_root, data_prefix='images')
    assert len(ds) == 24
    with open(osp.join(synth_root, 'train.csv')) as f:
        assert next(csv.reader(f))[:2] == ['image', 'category']


def test_test_split_is_held_out(synth_root):
    def rows(split):
        with open(osp.join(synth_root, f'{split}.csv')) as f:
            return list(csv.reader(f))[1:]
    val, test = rows('val'), rows('test')
    assert len(test) == 7 and all(r[0].startswith('test/') for r in test)
    # different label draws, not val's labels under other file names
    assert [r[1:] for r in test] != [r[1:] for r in val[:7]]
    ds = CatalogAttrDataset(ann_file='test.csv', schema_file='schema.json',
                            data_root=synth_root, data_prefix='images')
    assert len(ds) == 7


def test_instances_export(tmp_path):
    """Every garment, the second one included, as a Fashionpedia-style
    instance: its visible mask, category and complete attributes."""
    from mmengine.registry import DefaultScope
    from pycocotools import mask as mask_utils

    from mmfashion_attr.datasets import FashionpediaInstanceDataset
    from mmfashion_attr.datasets.synthfashion.instances import (
        CATEGORY_IDS, attribute_id, attribute_ids, attribute_vocabulary)
    generate(str(tmp_path), 8, 0, size=64, seed=0, instances=True)
    assert is_current(str(tmp_path), 8, 0, size=64, seed=0, instances=True)
    with DefaultScope.overwrite_default_scope('mmdet'):
        ds = FashionpediaInstanceDataset(
            ann_file=str(tmp_path / 'instances_train.json'),
            data_prefix=dict(img=str(tmp_path / 'images')), pipeline=[],
            attr_categories='all')
    assert len(ds) == 8
    # ids with gaps, not the indices: classes and attributes in id order
    ids = ds.metainfo['category_ids']
    assert list(ids) == sorted(CATEGORY_IDS.values())
    assert [CATEGORY_IDS[c] for c in ds.metainfo['classes']] == list(ids)
    attr_ids = ds.metainfo['attribute_ids']
    assert list(attr_ids) == sorted(attribute_id(i) for i in range(
        len(attribute_vocabulary())))
    assert attr_ids[0] != 0 and attr_ids[1] - attr_ids[0] == 7
    with open(tmp_path / 'train.csv') as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        _, truth, _, box, garments = make_sample(0, 'train', i, 64,
                                                 with_box=True,
                                                 with_garments=True)
        instances = ds[i]['instances']
        assert len(instances) == len([g for g in garments if g[1].any()])
        main = instances[0]
        assert ds.metainfo['classes'][main['bbox_label']] == row['category']
        assert main['bbox'] == [box[0], box[1], box[2], box[3]]
        assert sorted(attr_ids[a] for a in main['attr_ids']) == \
            attribute_ids(truth)
        names = [ds.metainfo['attributes'][a] for a in main['attr_ids']]
        assert f'pattern {truth["pattern"]}'.replace('_', ' ') in names
        # the second garment's mask is what the main one leaves visible
        if len(instances) > 1:
            second = mask_utils.decode(instances[1]['mask'])
            assert not (second & garments[0][1]).any()
            assert (second == garments[1][1]).all()
