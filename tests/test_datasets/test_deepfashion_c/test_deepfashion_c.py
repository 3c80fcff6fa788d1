"""DeepFashion-C on a miniature of the distributed layout: reading, the
three attribute states, bbox crops, and every error naming file:line."""
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmfashion_attr.datasets import AnnotationError
from mmfashion_attr.datasets.deepfashion_c.dataset import DeepFashionCDataset
from mmfashion_attr.datasets.deepfashion_c.lists import write_lists
from mmfashion_attr.datasets.transforms import LoadFashionImage

CATEGORIES = [('Blouse', 1), ('Jeans', 2), ('Dress', 3)]
ATTRIBUTES = [('floral print', 1), ('denim', 2), ('a-line', 3),
              ('long sleeve', 4), ('boho', 5)]
IMAGES = [
    dict(name='img/Floral_Blouse/img_00000001.jpg', category=0,
         states=[1, -1, 0, 1, -1], bbox=[10, 20, 50, 60], split='train'),
    dict(name='img/Floral_Blouse/img_00000002.jpg', category=0,
         states=[-1, -1, -1, 0, 0], bbox=[0, 0, 64, 64], split='train'),
    dict(name='img/Skinny_Jeans/img_00000001.jpg', category=1,
         states=[-1, 1, -1, -1, -1], bbox=[5, 5, 45, 60], split='val'),
    dict(name='img/Boho_Dress/img_00000001.jpg', category=2,
         states=[0, -1, 1, -1, 1], bbox=[8, 4, 56, 62], split='test'),
]


@pytest.fixture
def root(tmp_path):
    write_lists(str(tmp_path), CATEGORIES, ATTRIBUTES, IMAGES)
    for image in IMAGES:
        path = tmp_path / 'Img' / image['name']
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', (64, 64), (200, 30, 30)).save(path)
    return tmp_path


def test_reads_the_distributed_layout(root):
    # the names are padded, the attribute names contain spaces
    lines = (root / 'Anno' / 'list_attr_cloth.txt').read_text().splitlines()
    assert lines[:2] == ['5', 'attribute_name  attribute_type']
    assert lines[2].startswith('floral print ') and lines[2].endswith(' 1')
    train = DeepFashionCDataset(str(root), 'train', bbox_margin=0.25)
    assert train.metainfo['classes'] == ['Blouse', 'Jeans', 'Dress']
    assert train.metainfo['attributes'][0] == 'floral print'
    assert train.metainfo['attribute_types'] == [1, 2, 3, 4, 5]
    assert len(train) == 2
    first = train.get_data_info(0)
    assert first['gt_label'] == 0 and first['category_type'] == 1
    # unknown (0) stays unknown, not negative
    np.testing.assert_array_equal(first['attr_states'], [1, -1, 0, 1, -1])
    # 25 % of 40 px = 10 px each side, clipped at 0 on the left; at load
    # also at the image's 64 px on the bottom
    np.testing.assert_array_equal(first['crop_box'], [0, 10, 60, 70])
    assert LoadFashionImage()(first)['img'].shape[:2] == (54, 60)
    test = DeepFashionCDataset(str(root), 'test')
    info = test.get_data_info(0)
    assert info['gt_label'] == 2 and info['category_type'] == 3
    assert info['img_path'] == osp.join(str(root), 'Img', IMAGES[3]['name'])
    loaded = LoadFashionImage()(dict(info))
    assert loaded['img'].shape[:2] == (58, 48)  # the box, 48 x 58


def edit(root, rel, line, new):
    """Replace line ``line`` (1-based) of a list file."""
    path = root / rel
    lines = path.read_text().splitlines()
    lines[line - 1] = new
    path.write_text('\n'.join(lines) + '\n')


NAME = IMAGES[1]['name']


@pytest.mark.parametrize('rel,line,new,message', [
    ('Anno/list_attr_img.txt', 1, '5', 'list_attr_img.txt:1: the count line '
     'says 5 rows, the file has 4'),
    ('Anno/list_attr_img.txt', 1, 'four', 'list_attr_img.txt:1: expected '
     'the row count'),
    ('Anno/list_bbox.txt', 2, 'image_name x1 y1 x2 y2',
     'list_bbox.txt:2: expected the column names'),
    ('Anno/list_attr_img.txt', 4, f'{NAME} -1 -1 2 0 0',
     "list_attr_img.txt:4: attribute label '2'"),
    ('Anno/list_attr_img.txt', 4, f'{NAME} -1 -1 -1 0',
     'list_attr_img.txt:4: expected an image name and 5 value(s), got 4'),
    ('Anno/list_category_img.txt', 4, f'{NAME} 4',
     'list_category_img.txt:4: category_label 4 out of range'),
    ('Anno/list_category_img.txt', 4, f'{NAME} 0',
     'list_category_img.txt:4: category_label 0 out of range'),
    ('Anno/list_category_cloth.txt', 3, 'Blouse 4',
     'list_category_cloth.txt:3: category_type 4 out of range'),
    ('Anno/list_attr_cloth.txt', 7, 'boho 6',
     'list_attr_cloth.txt:7: attribute_type 6 out of range'),
    ('Anno/list_bbox.txt', 4, f'{NAME} 50 0 40 64',
     'list_bbox.txt:4: bbox [50, 0, 40, 64] is empty'),
    ('Eval/list_eval_partition.txt', 4, f'{NAME} dev',
     "list_eval_partition.txt:4: evaluation_status 'dev'"),
    ('Anno/list_bbox.txt', 4, 'img/Other/img_1.jpg 0 0 9 9',
     "list_bbox.txt:4: image 'img/Other/img_1.jpg' is not in"),
    ('Anno/list_attr_img.txt', 5, f'{NAME} -1 -1 -1 0 0',
     "list_attr_img.txt:5: image '" + NAME + "' again (first at line 4)"),
])
def test_errors_name_file_and_line(root, rel, line, new, message):
    edit(root, rel, line, new)
    with pytest.raises(AnnotationError) as err:
        DeepFashionCDataset(str(root), 'train')
    assert message in str(err.value)


def test_missing_image_names_the_partition_line(root):
    (root / 'Img' / IMAGES[1]['name']).unlink()
    with pytest.raises(AnnotationError,
                       match=r'list_eval_partition.txt:4: image .*'
                       r'img_00000002.jpg does not exist \(1 of the train'):
        DeepFashionCDataset(str(root), 'train')
    assert len(DeepFashionCDataset(str(root), 'val')) == 1  # not in val


def test_synthfashion_export_reads_back(tmp_path):
    from mmfashion_attr.datasets import CatalogAttrDataset
    from mmfashion_attr.datasets.synthfashion import generate
    generate(str(tmp_path), num_train=12, num_val=4, size=48, seed=0,
             num_test=4, deepfashion_c=True)
    train = DeepFashionCDataset(str(tmp_path), 'train')
    assert len(train) == 12
    assert len(DeepFashionCDataset(str(tmp_path), 'test')) == 4
    meta = train.metainfo
    assert dict(zip(meta['classes'], meta['category_types']))['dress'] == 3
    assert 'neck type v neck' in meta['attributes']
    assert sorted(set(meta['attribute_types'])) == [1, 2, 3, 4, 5]
    catalog = CatalogAttrDataset(ann_file='train.csv',
                                 schema_file='schema.json',
                                 data_root=str(tmp_path), data_prefix='images')
    tasks = catalog.metainfo['tasks']
    states = np.stack([train.get_data_info(i)['attr_states']
                       for i in range(12)])
    assert {-1, 0, 1} <= set(states.ravel().tolist())  # all three states
    for i in range(12):
        info, row = train.get_data_info(i), catalog.get_data_info(i)
        assert info['img_path'].endswith(row['img_path'][-16:])
        assert meta['classes'][info['gt_label']] == \
            tasks[0]['classes'][row['gt_attr'][:6].argmax()]
        # positives: exactly the catalogue's labelled values; unknown: the
        # values of attributes applicable but unlabelled
        np.testing.assert_array_equal(info['attr_states'] == 1,
                                      row['gt_attr'][6:].astype(bool))
        start = 6
        for j, task in enumerate(tasks[1:], start=1):
            n = len(task['classes'])
            if not row['gt_attr_mask'][j]:
                assert (info['attr_states'][start - 6:start - 6 + n] <= 0
                        ).all()
            start += n
        x1, y1, x2, y2 = info['crop_box']
        assert 0 <= x1 < x2 <= 48 and 0 <= y1 < y2 <= 48
        shape = LoadFashionImage()(info)['img'].shape[:2]
        assert shape == (y2 - y1, x2 - x1)
