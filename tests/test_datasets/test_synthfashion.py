import csv
import hashlib
import os
import os.path as osp

from mmfashion_attr.datasets import CatalogAttrDataset
from mmfashion_attr.datasets.synthfashion import generate, make_sample


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


def test_output_loads_as_catalogue(synth_root):
    ds = CatalogAttrDataset(ann_file='train.csv', schema_file='schema.json',
                            data_root=synth_root, data_prefix='images')
    assert len(ds) == 24
    with open(osp.join(synth_root, 'train.csv')) as f:
        assert next(csv.reader(f))[:2] == ['image', 'category']
