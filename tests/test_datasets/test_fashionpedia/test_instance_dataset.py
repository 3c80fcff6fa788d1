"""Fashionpedia-style instances: attribute remapping, boxes from masks,
checks, and attributes staying with their garments through mmdet's
pipeline (flip, resize, a crop that drops garments, filtering)."""
import json

import mmcv
import numpy as np
import pytest
from mmengine.registry import DefaultScope

import mmfashion_attr  # noqa: F401
from mmfashion_attr.datasets import FashionpediaInstanceDataset

ATTRS = [dict(id=5, name='plain'), dict(id=115, name='zip'),
         dict(id=317, name='floral')]
CATS = [dict(id=0, name='shirt'), dict(id=1, name='pants'),
        dict(id=2, name='bag')]


def square(x, y, s):
    return [[x, y, x + s, y, x + s, y + s, x, y + s]]


def write_json(tmp_path, annotations, images=None, categories=CATS):
    images = images or [dict(id=1, file_name='a.jpg', height=64, width=64)]
    (tmp_path / 'img').mkdir(exist_ok=True)
    for img in images:
        mmcv.imwrite(np.full((img['height'], img['width'], 3), 128,
                             np.uint8), str(tmp_path / 'img' /
                                            img['file_name']))
    ann_file = tmp_path / 'instances.json'
    ann_file.write_text(json.dumps(dict(
        images=images, annotations=annotations, categories=categories,
        attributes=ATTRS)))
    return str(ann_file)


def three_garments():
    """Garment i: category i, attribute index i, in its own corner."""
    return [dict(id=i + 1, image_id=1, category_id=i, iscrowd=0,
                 segmentation=square(*xy, 14), attribute_ids=[aid])
            for i, (xy, aid) in enumerate([((2, 2), 5), ((46, 2), 115),
                                           ((24, 46), 317)])]


def dataset(ann_file, tmp_path, pipeline=(), attr_categories='all',
            **kwargs):
    with DefaultScope.overwrite_default_scope('mmdet'):  # as the configs
        return FashionpediaInstanceDataset(
            ann_file=ann_file, data_prefix=dict(img=str(tmp_path / 'img')),
            pipeline=list(pipeline), attr_categories=attr_categories,
            **kwargs)


def test_attributes_remapped_and_boxes_from_masks(tmp_path):
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(
        np.pad(np.ones((10, 20), np.uint8), ((30, 24), (5, 39)))))
    anns = three_garments() + [dict(
        id=9, image_id=1, category_id=2, iscrowd=0, attribute_ids=[],
        segmentation=dict(counts=rle['counts'].decode(), size=[64, 64]))]
    ds = dataset(write_json(tmp_path, anns), tmp_path)
    assert ds.metainfo['classes'] == ('shirt', 'pants', 'bag')
    assert ds.metainfo['attribute_ids'] == (5, 115, 317)
    instances = ds[0]['instances']
    assert [i['attr_ids'] for i in instances] == [[0], [1], [2], []]
    assert instances[0]['bbox'] == [2, 2, 16, 16]  # from the polygon
    assert instances[3]['bbox'] == [5, 30, 25, 40]  # from the RLE
    assert ds[0]['num_attributes'] == 3


# ids with gaps, listed out of id order in the file
SHUFFLED = [dict(id=40, name='bag'), dict(id=7, name='shirt'),
            dict(id=19, name='pants')]


def shuffled_garments():
    """Garment i: category SHUFFLED[i], attribute index i."""
    return [dict(g, category_id=c['id'])
            for g, c in zip(three_garments(), SHUFFLED)]


def test_classes_in_id_order_and_by_name(tmp_path):
    ann_file = write_json(tmp_path, shuffled_garments(),
                          categories=SHUFFLED)
    ds = dataset(ann_file, tmp_path)
    assert ds.metainfo['classes'] == ('shirt', 'pants', 'bag')  # by id
    assert ds.metainfo['category_ids'] == (7, 19, 40)
    labels = [i['bbox_label'] for i in ds[0]['instances']]
    assert [ds.metainfo['classes'][k] for k in labels] == \
        ['bag', 'shirt', 'pants']
    # a config's subset in its own order: labels follow it, by name
    ds = dataset(ann_file, tmp_path, metainfo=dict(classes=('bag', 'shirt')))
    assert ds.metainfo['category_ids'] == (40, 7)
    assert [i['bbox_label'] for i in ds[0]['instances']] == [0, 1]
    with pytest.raises(ValueError, match=r"\['skirt'\] are not among"):
        dataset(ann_file, tmp_path, metainfo=dict(classes=('skirt', )))


@pytest.mark.parametrize('spec, expected', [
    ('all', (7, 19, 40)), (['bag', 7], (7, 40)), ([19], (19, ))])
def test_attr_categories_by_name_or_id(tmp_path, spec, expected):
    ann_file = write_json(tmp_path, shuffled_garments(),
                          categories=SHUFFLED)
    ds = dataset(ann_file, tmp_path, attr_categories=spec)
    assert ds.metainfo['attr_category_ids'] == expected


def test_attr_categories_checked(tmp_path):
    ann_file = write_json(tmp_path, shuffled_garments(),
                          categories=SHUFFLED)
    with pytest.raises(ValueError, match='id 0, not'):
        dataset(ann_file, tmp_path, attr_categories=[0])
    with pytest.raises(ValueError, match="names 'dress'"):
        dataset(ann_file, tmp_path, attr_categories=['dress'])
    # Fashionpedia's list needs Fashionpedia's names at its ids
    cats = [dict(id=0, name='shirt, blouse'), dict(id=24, name='bag, wallet'),
            dict(id=28, name='hood')]
    anns = [dict(g, category_id=c['id'])
            for g, c in zip(three_garments(), cats)]
    ann_file = write_json(tmp_path, anns, categories=cats)
    with pytest.raises(ValueError, match="id 28 is 'hood', not 'collar'"):
        dataset(ann_file, tmp_path, attr_categories='fashionpedia')
    cats[2]['name'] = 'collar'
    ann_file = write_json(tmp_path, anns, categories=cats)
    ds = dataset(ann_file, tmp_path, attr_categories='fashionpedia')
    assert ds.metainfo['attr_category_ids'] == (0, 28)


def test_bad_input(tmp_path):
    anns = three_garments()
    anns[1]['attribute_ids'] = [999]
    with pytest.raises(ValueError, match='annotation 2 has attribute id 999'):
        dataset(write_json(tmp_path, anns), tmp_path)
    anns = three_garments()
    anns[0]['segmentation'] = [[1, 1, 5, 5]]  # 2 points: dropped, counted
    anns[1]['segmentation'].append([0, 0, 3, 3])
    ds = dataset(write_json(tmp_path, anns), tmp_path)
    assert ds.skipped == dict(short_polygons=2, instances_without_mask=1)
    assert [i['bbox_label'] for i in ds[0]['instances']] == [1, 2]
    images = [dict(id=1, file_name='a.jpg', height=64, width=64)]
    ann_file = write_json(tmp_path, three_garments(), images)
    (tmp_path / 'img' / 'a.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='a.jpg'):
        dataset(ann_file, tmp_path)


def pipeline(*middle):
    return [dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True,
                 with_mask=True),
            dict(type='LoadInstanceAttributes'),
            dict(type='KeepInstanceAttributes', transforms=list(middle)),
            dict(type='PackDetInputsWithAttributes')]


def test_crop_that_drops_garments_keeps_survivors_attributes(tmp_path):
    ann_file = write_json(tmp_path, three_garments())
    steps = [dict(type='RandomFlip', prob=0.5),
             dict(type='Resize', scale=(96, 96), keep_ratio=True),
             dict(type='RandomCrop', crop_size=(40, 40)),
             dict(type='FilterAnnotations', min_gt_bbox_wh=(4, 4))]
    ds = dataset(ann_file, tmp_path, pipeline(*steps))
    counts = set()
    for seed in range(30):
        np.random.seed(seed)
        sample = ds[0]['data_samples'].gt_instances
        counts.add(len(sample))
        # garment i has category i and attribute i: still paired
        assert sample.attributes.shape == (len(sample), 3)
        assert (sample.attributes.argmax(1) == sample.labels).all()
        assert sample.masks.masks.shape[0] == len(sample)
    assert min(counts) < 3  # some crops dropped garments


def test_ignored_instances_pack_their_attributes(tmp_path):
    anns = three_garments()
    anns[2]['iscrowd'] = 1
    ds = dataset(write_json(tmp_path, anns), tmp_path, pipeline())
    sample = ds[0]['data_samples']
    assert sample.gt_instances.labels.tolist() == [0, 1]
    assert sample.gt_instances.attributes.argmax(1).tolist() == [0, 1]
    assert sample.ignored_instances.attributes.argmax(1).tolist() == [2]


def test_unwrapped_crop_would_misalign(tmp_path):
    """Why the wrapper exists: mmdet's crop leaves gt_attr as it was."""
    ann_file = write_json(tmp_path, three_garments())
    crop = [dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True),
            dict(type='LoadInstanceAttributes'),
            dict(type='RandomCrop', crop_size=(30, 30))]
    ds = dataset(ann_file, tmp_path, crop)
    lengths = set()
    for seed in range(20):
        np.random.seed(seed)
        out = ds[0]
        lengths.add((len(out['gt_bboxes_labels']), len(out['gt_attr'])))
    assert any(n < a for n, a in lengths)
