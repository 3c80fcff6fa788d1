"""Kaggle RLE (1-based starts, column-major) on hand-made masks, and the
iMaterialist-2020 CSV converter's round trip and errors."""
import csv
import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from mmfashion_attr.datasets.fashionpedia import imaterialist_csv, kaggle_rle

# 3 rows x 4 columns; column-major pixel numbers (1-based):
#  1  4  7 10
#  2  5  8 11
#  3  6  9 12
MASK = np.array([[1, 0, 0, 1],
                 [1, 1, 0, 0],
                 [0, 1, 0, 0]], np.uint8)
ENCODED = '1 2 5 2 10 1'


def test_decode_hand_made_mask():
    assert (kaggle_rle.decode(ENCODED, 3, 4) == MASK).all()
    # start 1 is the top-left pixel, start 2 the one below it
    assert kaggle_rle.decode('1 1', 3, 4)[0, 0] == 1
    assert kaggle_rle.decode('2 1', 3, 4)[1, 0] == 1
    assert kaggle_rle.decode('12 1', 3, 4)[2, 3] == 1


def test_encode_round_trip():
    assert kaggle_rle.encode(MASK) == ENCODED
    rng = np.random.default_rng(0)
    for _ in range(20):
        mask = (rng.random((7, 5)) > 0.5).astype(np.uint8)
        if mask.any():
            assert (kaggle_rle.decode(kaggle_rle.encode(mask), 7, 5)
                    == mask).all()


def test_coco_counts_match_the_mask():
    rle = mask_utils.frPyObjects(
        dict(counts=kaggle_rle.to_coco_counts(ENCODED, 3, 4), size=[3, 4]),
        3, 4)
    assert (mask_utils.decode(rle) == MASK).all()
    # adjacent runs are merged, a run from pixel 1 starts with 0 zeros
    assert kaggle_rle.to_coco_counts('1 2 3 1', 3, 4) == [0, 3, 9]


@pytest.mark.parametrize('encoded, message', [
    ('1 2 12 2', 'the 3x4 image has 12'),  # longer than the image
    ('1 2 3', 'pairs'), ('0 2', '1-based'), ('5 1 1 1', 'overlap'),
    ('1 x', 'non-integer'), ('', 'empty')])
def test_bad_rle_is_refused(encoded, message):
    with pytest.raises(kaggle_rle.RLEError, match=message):
        kaggle_rle.parse(encoded, 3, 4)


def write_inputs(tmp_path, rows):
    desc = dict(categories=[dict(id=0, name='shirt, blouse',
                                 supercategory='upperbody', level=2),
                            dict(id=6, name='pants',
                                 supercategory='lowerbody', level=2)],
                attributes=[dict(id=i, name=f'attr {i}',
                                 supercategory='nickname', level=1)
                            for i in (0, 115, 317)])
    (tmp_path / 'label_descriptions.json').write_text(json.dumps(desc))
    with open(tmp_path / 'train.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(imaterialist_csv.COLUMNS)
        writer.writerows(rows)
    return str(tmp_path / 'train.csv'), str(
        tmp_path / 'label_descriptions.json')


def test_converter_round_trip(tmp_path):
    other = np.zeros((3, 4), np.uint8)
    other[:, 2] = 1
    csv_path, desc = write_inputs(tmp_path, [
        ['img_a', ENCODED, 3, 4, 0, '317,115'],
        ['img_a', kaggle_rle.encode(other), 3, 4, 6, ''],
        ['img_b', '1 1', 3, 4, 0, '0']])
    coco = imaterialist_csv.convert(csv_path, desc)
    assert [i['file_name'] for i in coco['images']] == ['img_a.jpg',
                                                        'img_b.jpg']
    first, second, third = coco['annotations']
    assert first['attribute_ids'] == [115, 317]
    assert second['attribute_ids'] == [] and second['category_id'] == 6
    assert first['image_id'] == second['image_id'] != third['image_id']
    for ann, mask in ((first, MASK), (second, other)):
        seg = dict(ann['segmentation'], counts=ann['segmentation']['counts']
                   .encode())
        assert (mask_utils.decode(seg) == mask).all()
        ys, xs = np.nonzero(mask)
        assert ann['bbox'] == [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                               ys.max() - ys.min() + 1]
        assert ann['area'] == mask.sum()
    assert coco['attributes'][1]['id'] == 115
    json.dumps(coco)  # serialisable as it is


@pytest.mark.parametrize('row, message', [
    (['img_a', '1 2 12 2', 3, 4, 0, ''], r'train.csv:2: .*3x4 image'),
    (['img_a', '1 2', 3, 4, 0, '115,999'], r'train.csv:2: .*\[999\]'),
    (['img_a', '1 2', 3, 4, 5, ''], r'train.csv:2: ClassId 5'),
    (['img_a', '1 2', 3, 4, 0], r'train.csv:2: 5 cells'),
    (['img_a', '1 2', 'x', 4, 0, ''], r'train.csv:2: .*integers')])
def test_converter_errors_name_the_line(tmp_path, row, message):
    csv_path, desc = write_inputs(tmp_path, [row])
    with pytest.raises(ValueError, match=message):
        imaterialist_csv.convert(csv_path, desc)


def test_converter_skips_missing_images(tmp_path):
    (tmp_path / 'img').mkdir()
    (tmp_path / 'img' / 'img_b.jpg').write_bytes(b'')
    csv_path, desc = write_inputs(tmp_path, [
        ['img_a', ENCODED, 3, 4, 0, ''], ['img_b', '1 1', 3, 4, 0, '']])
    coco = imaterialist_csv.convert(csv_path, desc, str(tmp_path / 'img'))
    assert [i['file_name'] for i in coco['images']] == ['img_b.jpg']
    assert len(coco['annotations']) == 1
    assert coco['skipped_images'] == ['img_a.jpg']


def test_converter_cli(tmp_path):
    from tests.helpers.run_tool import run
    csv_path, desc = write_inputs(tmp_path, [['img_a', ENCODED, 3, 4, 0,
                                              '115']])
    out = tmp_path / 'instances.json'
    proc = run(['tools/dataset_converters/imaterialist2020_to_coco.py',
                csv_path, desc, '--out', str(out)])
    assert '1 images, 1 garments, 0 images skipped' in proc.stdout
    assert json.loads(out.read_text())['annotations'][0]['area'] == 5


def test_synthfashion_round_trip_through_kaggle_csv(tmp_path):
    """SynthFashion's instances -> Kaggle's CSV -> the converter: the same
    images, masks, categories and attributes."""
    from pycocotools.coco import COCO

    from mmfashion_attr.datasets.synthfashion import generate
    from tests.helpers.run_tool import run
    generate(str(tmp_path), num_train=0, num_val=6, size=48, seed=1,
             instances=True)
    original = str(tmp_path / 'instances_val.json')
    run(['tools/dataset_converters/coco_to_imaterialist2020.py', original,
         '--out-dir', str(tmp_path / 'kaggle')])
    back = tmp_path / 'back.json'
    run(['tools/dataset_converters/imaterialist2020_to_coco.py',
         str(tmp_path / 'kaggle' / 'train.csv'),
         str(tmp_path / 'kaggle' / 'label_descriptions.json'),
         '--out', str(back), '--img-dir', str(tmp_path / 'images')])
    a, b = COCO(original), COCO(str(back))
    assert sorted(i['file_name'] for i in a.imgs.values()) == sorted(
        i['file_name'] for i in b.imgs.values())
    by_name = {i['file_name']: i['id'] for i in b.imgs.values()}
    assert len(a.anns) == len(b.anns) >= 6
    for img in a.imgs.values():
        mine = a.loadAnns(a.getAnnIds(imgIds=img['id']))
        theirs = b.loadAnns(b.getAnnIds(imgIds=by_name[img['file_name']]))
        for x, y in zip(mine, theirs):
            assert x['category_id'] == y['category_id']
            assert x['attribute_ids'] == y['attribute_ids']
            assert (a.annToMask(x) == b.annToMask(y)).all()
            assert x['bbox'] == pytest.approx(y['bbox'])


def test_write_csv_takes_polygons(tmp_path):
    coco = dict(images=[dict(id=3, file_name='a.jpg', height=4, width=5)],
                annotations=[dict(id=1, image_id=3, category_id=0,
                                  attribute_ids=[2, 1],
                                  segmentation=[[1, 1, 4, 1, 4, 3, 1, 3]])],
                categories=[dict(id=0, name='top')],
                attributes=[dict(id=1, name='a'), dict(id=2, name='b')])
    csv_path, desc = tmp_path / 'train.csv', tmp_path / 'desc.json'
    assert imaterialist_csv.write_csv(coco, str(csv_path), str(desc)) == 1
    back = imaterialist_csv.convert(str(csv_path), str(desc))
    ann, = back['annotations']
    assert ann['attribute_ids'] == [1, 2] and ann['area'] > 0
    assert back['images'][0]['file_name'] == 'a.jpg'
    coco['images'][0]['file_name'] = 'a.png'
    with pytest.raises(ValueError, match='a.png'):
        imaterialist_csv.write_csv(coco, str(csv_path), str(desc))
