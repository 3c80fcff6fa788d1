import json

import numpy as np
import pytest
from PIL import Image

from mmfashion_attr.datasets import AnnotationError, FashionpediaAttrDataset
from mmfashion_attr.datasets.transforms import LoadFashionImage

COCO = dict(
    images=[dict(id=1, file_name='1.jpg', width=40, height=30),
            dict(id=2, file_name='2.jpg', width=40, height=30),
            dict(id=3, file_name='3.jpg', width=40, height=30)],
    categories=[dict(id=0, name='shirt', supercategory='upperbody', level=2),
                dict(id=23, name='sleeve', supercategory='garment parts',
                     level=2)],
    attributes=[  # ids not contiguous, as in Fashionpedia (0..340)
        dict(id=115, name='mini (length)', supercategory='length', level=1),
        dict(id=3, name='above-the-hip (length)', supercategory='length',
             level=1),
        dict(id=160, name='v-neck', supercategory='neckline type', level=1),
        dict(id=317, name='plain (pattern)', supercategory='textile pattern',
             level=1),
        dict(id=200, name='zip-up', supercategory='opening type', level=1),
    ],
    annotations=[
        dict(id=10, image_id=1, category_id=0, attribute_ids=[3, 160],
             bbox=[4, 2, 20, 10]),
        dict(id=11, image_id=1, category_id=23, attribute_ids=[317],
             segmentation=[[10, 10, 30, 10, 30, 25, 10, 25]]),
        dict(id=12, image_id=2, category_id=0, attribute_ids=[115, 3],
             segmentation=dict(size=[30, 40], counts=[300, 5, 895])),
        dict(image_id=3, attribute_ids=[317]),  # image-level form
    ])


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'ann.json').write_text(json.dumps(COCO))
    for i in (1, 2, 3):
        Image.new('RGB', (40, 30), (i * 60, 0, 0)).save(tmp_path / f'{i}.jpg')
    return tmp_path


def build(root, **kwargs):
    return FashionpediaAttrDataset(
        ann_file='ann.json', data_root=str(root),
        supercategories=['length', 'neckline type', 'textile pattern'],
        **kwargs)


def test_image_mode_unions_instances(root):
    ds = build(root)
    assert ds.metainfo['classes'] == [
        'length/above-the-hip (length)', 'length/mini (length)',
        'neckline type/v-neck', 'textile pattern/plain (pattern)']
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_attr'],
                                  [1, 0, 1, 1])
    np.testing.assert_array_equal(ds.get_data_info(1)['gt_attr'],
                                  [1, 1, 0, 0])
    np.testing.assert_array_equal(ds.get_data_info(1)['gt_attr_mask'],
                                  [1, 0, 0])
    np.testing.assert_array_equal(ds.get_data_info(2)['gt_attr'],
                                  [0, 0, 0, 1])


def test_image_mode_category_filter(root):
    ds = build(root, categories=['shirt'])
    # image 1 loses the sleeve's pattern; image 3 has no category: kept
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_attr'],
                                  [1, 0, 1, 0])


def test_instance_mode_boxes_from_bbox_or_segmentation(root):
    ds = build(root, mode='instance')
    assert len(ds) == 3  # the image-level annotation has no instance
    assert [t['name'] for t in ds.metainfo['tasks']][0] == 'category'
    boxes = [ds.get_data_info(i)['crop_box'].tolist() for i in range(3)]
    assert boxes[0] == [4, 2, 24, 12]  # bbox x,y,w,h -> x1,y1,x2,y2
    assert boxes[1] == [10, 10, 30, 25]  # from the polygon (pycocotools)
    # column-major RLE: 300 zeros = 10 columns, then 5 ones in column 10
    assert boxes[2] == [10, 0, 11, 5]
    np.testing.assert_array_equal(ds.get_data_info(1)['gt_attr'][:2], [0, 1])
    crop = LoadFashionImage()(dict(ds.get_data_info(0)))['img']
    assert crop.shape == (10, 20, 3)


def test_unknown_attribute_id_and_supercategory(root):
    bad = dict(COCO, annotations=[dict(id=9, image_id=1, category_id=0,
                                       attribute_ids=[999])])
    (root / 'bad.json').write_text(json.dumps(bad))
    with pytest.raises(AnnotationError, match=r'annotations\[0\] .* 999'):
        FashionpediaAttrDataset(ann_file='bad.json', data_root=str(root),
                                supercategories=['length'])
    with pytest.raises(AnnotationError, match='no attributes with super'):
        FashionpediaAttrDataset(ann_file='ann.json', data_root=str(root),
                                supercategories=['nickname'])


def test_converter_round_trips_through_catalogue_format(root, tmp_path):
    import importlib.util

    from mmfashion_attr.datasets import CatalogAttrDataset
    from tests.helpers.tiny_config import ROOT
    spec = importlib.util.spec_from_file_location(
        'conv', f'{ROOT}/tools/dataset_converters/fashionpedia_to_catalog.py')
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    out = tmp_path / 'catalog'
    sup = ['length', 'neckline type', 'textile pattern']
    assert conv.convert(str(root / 'ann.json'), str(out), 'train', sup) == 3
    cat = CatalogAttrDataset(ann_file='train.csv', schema_file='schema.json',
                             data_root=str(out), check_images=False)
    ref = build(root)
    assert cat.metainfo['classes'] == ref.metainfo['classes']
    for i in range(3):
        np.testing.assert_array_equal(cat.get_data_info(i)['gt_attr'],
                                      ref.get_data_info(i)['gt_attr'])
        np.testing.assert_array_equal(cat.get_data_info(i)['gt_attr_mask'],
                                      ref.get_data_info(i)['gt_attr_mask'])


@pytest.fixture
def log_lines(monkeypatch):
    from mmengine.logging import MMLogger
    lines = []
    monkeypatch.setattr(MMLogger.get_current_instance(), 'info', lines.append)
    return lines


def test_load_logs_dropped_labels_and_unlabelled_instances(root, log_lines):
    coco = dict(COCO, annotations=COCO['annotations'] + [
        dict(id=13, image_id=2, category_id=0, attribute_ids=[200],
             bbox=[0, 0, 5, 5])])  # only an 'opening type' attribute
    (root / 'more.json').write_text(json.dumps(coco))
    ds = FashionpediaAttrDataset(ann_file='more.json', data_root=str(root),
                                 supercategories=['length', 'neckline type'],
                                 mode='instance')
    assert len(ds) == 4
    text = '\n'.join(log_lines)
    assert 'dropped 3 attribute labels' in text
    assert 'opening type: 1' in text and 'textile pattern: 2' in text
    # the sleeve (pattern only) and the zip-up shirt keep no attribute
    assert 'kept 2 instances with no attribute' in text


def test_supercategories_as_a_string(root):
    ds = FashionpediaAttrDataset(ann_file='ann.json', data_root=str(root),
                                 supercategories='length')
    assert [t['name'] for t in ds.metainfo['tasks']] == ['length']


def test_wrong_image_folder_is_reported_at_load_time(root):
    with pytest.raises(AnnotationError, match=r'image .*nope.*1.jpg does not '
                       r'exist'):
        build(root, data_prefix='nope')
