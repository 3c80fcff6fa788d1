"""Non-garment images (datasets/synthfashion/non_garments.py,
tools/misc/make_non_garments.py): same seed, same bytes; every kind
drawn; real photos found offline."""
import csv
import hashlib
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmfashion_attr.datasets.synthfashion import non_garments as ng
from mmfashion_attr.errors import UserInputError, UserValueError
from tests.helpers.in_process_tool import run_in_process

PHOTO = [('hand-made', np.random.default_rng(3).integers(
    0, 256, (30, 50, 3), dtype=np.uint8))]


def digests(root):
    with open(osp.join(root, 'non_garments.csv')) as f:
        rows = list(csv.DictReader(f))
    return [(r['image'], r['kind'], hashlib.sha256(
        open(osp.join(root, r['image']), 'rb').read()).hexdigest())
        for r in rows]


def test_same_seed_same_bytes(tmp_path):
    a = ng.generate_non_garments(str(tmp_path / 'a'), 4, 48, seed=0,
                                 photo_views=3, photos=PHOTO)
    ng.generate_non_garments(str(tmp_path / 'b'), 4, 48, seed=0,
                             photo_views=3, photos=PHOTO)
    ng.generate_non_garments(str(tmp_path / 'c'), 4, 48, seed=1,
                             photo_views=3, photos=PHOTO)
    same, other = digests(tmp_path / 'a'), digests(tmp_path / 'b')
    assert same == other
    assert [r['kind'] for r in a] == [k for k in ng.KINDS[:-1]
                                      for _ in range(4)] + ['photo'] * 3
    seed1 = digests(tmp_path / 'c')
    for kind in ng.SYNTHETIC:  # another seed draws every kind anew
        assert {d for _, k, d in same if k == kind}.isdisjoint(
            d for _, k, d in seed1 if k == kind), kind
    # the whole photo is the same for any seed; its crops differ
    assert same[-3][2] == seed1[-3][2]
    assert same[-2][2] != seed1[-2][2] and same[-1][2] != seed1[-1][2]
    for path, kind, _ in same:
        img = Image.open(tmp_path / 'a' / path)
        assert img.format == 'JPEG' and max(img.size) == 48
        if kind != 'photo':
            assert img.size == (48, 48)
    assert len(set(d for _, _, d in same)) == len(same)  # no duplicates


def test_background_is_synthfashions_without_a_garment():
    """render()'s own background: the same pixels wherever its garments
    (and their details) are not."""
    from mmfashion_attr.datasets.synthfashion import render, sample_labels
    for seed in range(4):
        truth = sample_labels(np.random.default_rng(seed))
        img, (main, other) = render(truth, 64, np.random.default_rng(seed),
                                    with_garments=True)
        bg = np.asarray(ng.draw_background(np.random.default_rng(seed), 64))
        outside = ~(main[1] | other[1])
        equal = (np.asarray(img) == bg).all(axis=2)
        assert equal[outside].mean() > 0.97, seed
        assert not equal[main[1]].all()


def test_read_and_errors(tmp_path):
    root = str(tmp_path / 'x')
    with pytest.raises(UserInputError, match='make_non_garments.py'):
        ng.read_non_garments(root)
    with pytest.raises(UserValueError, match='unknown non-garment kinds'):
        ng.generate_non_garments(root, kinds=['cats'])
    ng.generate_non_garments(root, 1, 32, kinds=['noise'])
    rows = ng.read_non_garments(root)
    assert [r['kind'] for r in rows] == ['noise']
    assert osp.isfile(rows[0]['image'])


def test_real_photos_offline():
    pytest.importorskip('skimage')
    photos = ng.real_photos()
    names = [s for s, _ in photos]
    assert 'skimage.data.chelsea' in names and len(names) >= 10
    assert not any('astronaut' in n or 'camera' in n for n in names)
    for _, arr in photos:
        assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3


def test_tool(tmp_path, monkeypatch, capsys):
    out = tmp_path / 'out'
    assert run_in_process('tools/misc/make_non_garments.py', [
        '--out', out, '--num-per-kind', 2, '--size', 32, '--kinds',
        'shapes', 'gradient'], monkeypatch) == 0
    assert 'wrote 4 images' in capsys.readouterr().out
    assert run_in_process('tools/misc/make_non_garments.py', [
        '--out', out, '--size', 0], monkeypatch) == 2
    assert '--size 0' in capsys.readouterr().err
