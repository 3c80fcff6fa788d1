"""SynthFashion --label-noise: exactly the stated fraction of each
attribute's training labels flipped, to other values the category allows;
the side file is the truth (clean vs noisy labels); fraction 0 undoes it."""
import csv
import json
import os.path as osp

import pytest

from mmfashion_attr.datasets.catalog.rows import split_cell
from mmfashion_attr.datasets.schema import AttributeSchema
from mmfashion_attr.datasets.synthfashion import generate
from mmfashion_attr.datasets.synthfashion.label_noise import (
    CLEAN, INFO, TRUTH, apply_label_noise, noise_is_current,
    read_noise_truth)
from tests.helpers.run_tool import run


def rows_of(path):
    with open(path, newline='') as f:
        return {r['image']: r for r in csv.DictReader(f)}


@pytest.fixture(scope='module')
def noisy(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('noisy'))
    generate(out, num_train=300, num_val=2, size=32, seed=0)
    info = apply_label_noise(out, 0.1, seed=3)
    return out, info


def test_flips_exactly_the_fraction_to_allowed_other_values(noisy):
    out, info = noisy
    schema = AttributeSchema.from_file(osp.join(out, 'schema.json'))
    clean, dirty = rows_of(osp.join(out, CLEAN)), rows_of(
        osp.join(out, 'train.csv'))
    assert clean.keys() == dirty.keys()
    changed = {}
    for image, row in clean.items():
        assert dirty[image]['category'] == row['category']  # left alone
        allowed = schema.allowed_values(row['category'])
        for a in schema.attributes:
            name = a['name']
            before, after = split_cell(row[name]), split_cell(
                dirty[image][name])
            assert bool(before) == bool(after)  # missing stays missing
            if before != after:
                assert set(after) <= allowed[name]
                assert len(after) == len(before)
                # one value replaced by another one not already there
                assert len(set(after) - set(before)) == 1
                changed[(image, name)] = (row[name], dirty[image][name])
    for a in schema.attributes:
        labelled = sum(bool(split_cell(r[a['name']])) for r in clean.values())
        flipped = sum(1 for _, n in changed if n == a['name'])
        assert flipped == round(0.1 * labelled) == info['flipped'][a['name']]
        assert info['labelled'][a['name']] == labelled
    truth = {(f['image'], f['attribute']): (f['true_value'],
                                            f['noisy_value'])
             for f in read_noise_truth(osp.join(out, TRUTH))}
    assert truth == changed  # the side file is exactly the difference
    assert info['total_flipped'] == len(changed) > 0


def test_if_changed_and_fraction_zero(tmp_path):
    out = str(tmp_path)
    args = ['tools/misc/make_synthfashion.py', '--out', out, '--num-train',
            '40', '--num-val', '2', '--num-test', '0', '--size', '32',
            '--if-changed']
    run(args + ['--label-noise', '0.2', '--noise-seed', '1'])
    assert noise_is_current(out, 0.2, 1) and not noise_is_current(out, 0, 1)
    flips = read_noise_truth(osp.join(out, TRUTH))
    assert len(flips) > 0
    skipped = run(args + ['--label-noise', '0.2', '--noise-seed', '1'])
    assert 'up to date' in skipped.stdout
    assert not noise_is_current(out, 0.2, 2)  # another seed: regenerated
    generate(out, num_train=40, num_val=2, size=32, seed=0)
    apply_label_noise(out, 0, 0)  # no noise: the side files gone
    assert not any(osp.exists(osp.join(out, f)) for f in (CLEAN, TRUTH,
                                                          INFO))
    assert noise_is_current(out, 0, 0)
    clean = tmp_path / 'clean'
    generate(str(clean), num_train=40, num_val=2, size=32, seed=0)
    assert rows_of(osp.join(out, 'train.csv')) == rows_of(
        str(clean / 'train.csv'))


def test_too_few_flippable_labels_is_an_error(tmp_path):
    from mmfashion_attr.datasets.synthfashion.label_noise import flip_labels
    schema = AttributeSchema([dict(name='fit', values=['slim', 'loose'],
                                   multi_label=False,
                                   value_categories={'loose': ['shorts']})],
                             categories=['jeans', 'shorts'])
    rows = [dict(image=f'{i}.jpg', category='jeans', fit='slim')
            for i in range(10)]
    with pytest.raises(ValueError, match="'fit'.*1 flips wanted.*only 0"):
        flip_labels(rows, schema, 0.1, 0)
    with pytest.raises(ValueError, match='expected'):
        flip_labels(rows, schema, 1.5, 0)


def test_bad_truth_line_names_file_and_line(tmp_path):
    path = tmp_path / 'train_noise.jsonl'
    path.write_text(json.dumps(dict(image='a', attribute='b', true_value='c',
                                    noisy_value='d')) + '\n{"image": 1}\n')
    with pytest.raises(ValueError, match=r'train_noise.jsonl:2'):
        read_noise_truth(str(path))
