"""The reader on miniatures written here by hand as the benchmark ships its
lists (independent of ``write_lists``): count line, column-name line, names
space-padded to a column, multi-word attribute names, zero-padded boxes,
labels 1 / -1 / 0, in each of the three annotation folders of the 2016 and
today's releases."""
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger

from mmfashion_attr.datasets import AnnotationError
from mmfashion_attr.datasets.deepfashion_c.dataset import DeepFashionCDataset

PAD = 71  # the release pads image names to a column
IMAGES = ['img/Sheer_Pleated-Front_Blouse/img_00000001.jpg',
          'img/Sheer_Pleated-Front_Blouse/img_00000002.jpg',
          'img/Faux_Leather_Leggings/img_00000001.jpg']
LISTS = {
    'list_category_cloth.txt': '3\ncategory_name  category_type\n'
    'Blouse                       1\nLeggings                     2\n'
    'Romper                       3\n',
    'list_attr_cloth.txt': '4\nattribute_name  attribute_type\n'
    'a-line                       3\nabstract chevron             1\n'
    'faux leather                 2\nlong sleeve                  4\n',
    'list_category_img.txt': '3\nimage_name  category_label\n' + ''.join(
        f'{n:<{PAD}}{c}\n' for n, c in zip(IMAGES, (1, 1, 2))),
    'list_attr_img.txt': '3\nimage_name  attribute_labels\n' + ''.join(
        f'{n:<{PAD}}{s}\n' for n, s in zip(
            IMAGES, ('-1  1 -1  1', ' 0 -1 -1  0', '-1 -1  1 -1'))),
    'list_bbox.txt': '3\nimage_name  x_1  y_1  x_2  y_2\n' + ''.join(
        f'{n:<{PAD}}{b}\n' for n, b in zip(
            IMAGES, ('072 079 232 273', '067 059 155 161',
                     '021 011 188 300'))),
}
PARTITION = '3\nimage_name  evaluation_status\n' + ''.join(
    f'{n:<{PAD}}{s}\n' for n, s in zip(IMAGES, ('train', 'val', 'train')))


def release(root, anno_dir, **replace):
    (root / anno_dir).mkdir(parents=True)
    (root / 'Eval').mkdir()
    for name, text in dict(LISTS, **replace).items():
        (root / anno_dir / name).write_text(text)
    (root / 'Eval' / 'list_eval_partition.txt').write_text(PARTITION)
    return str(root)


@pytest.fixture
def warnings():
    """Warnings the current MMLogger writes."""
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.parametrize('anno_dir', ['Anno', 'Anno_coarse', 'Anno_fine'])
def test_each_release_layout_is_read(tmp_path, anno_dir, warnings):
    root = release(tmp_path, anno_dir)
    train = DeepFashionCDataset(root, 'train', check_images=False)
    assert train.lists.anno_dir == anno_dir
    assert train.metainfo['attributes'] == [
        'a-line', 'abstract chevron', 'faux leather', 'long sleeve']
    assert train.metainfo['classes'] == ['Blouse', 'Leggings', 'Romper']
    assert len(train) == 2
    second = train.get_data_info(1)
    assert second['gt_label'] == 1
    np.testing.assert_array_equal(second['attr_states'], [-1, -1, 1, -1])
    np.testing.assert_array_equal(second['crop_box'], [21, 11, 188, 300])
    # the lists are parsed once: every split reads the same arrays
    val = DeepFashionCDataset(root, 'val', check_images=False)
    assert val.lists is train.lists and len(val) == 1
    np.testing.assert_array_equal(val.get_data_info(0)['attr_states'],
                                  [0, -1, -1, 0])
    assert not warnings


def test_an_explicit_folder_and_a_missing_one(tmp_path):
    root = release(tmp_path, 'Anno_fine')
    assert DeepFashionCDataset(root, 'val', anno_dir='Anno_fine',
                               check_images=False).lists.anno_dir == \
        'Anno_fine'
    with pytest.raises(AnnotationError, match=r'looked for .*Anno_coarse/'):
        DeepFashionCDataset(root, 'val', anno_dir='Anno_coarse')
    with pytest.raises(AnnotationError,
                       match=r'Anno/, .*Anno_coarse/, .*Anno_fine/'):
        DeepFashionCDataset(str(tmp_path / 'elsewhere'), 'val')


def test_negatives_coded_as_zero_are_named(tmp_path, warnings):
    zeros = LISTS['list_attr_img.txt'].replace('-1', ' 0')
    root = release(tmp_path, 'Anno_coarse', **{'list_attr_img.txt': zeros})
    DeepFashionCDataset(root, 'train', check_images=False)
    (message, ) = [r.getMessage() for r in warnings]
    assert 'list_attr_img.txt' in message and 'not one -1' in message


def test_empty_box_fails_naming_the_line_or_is_skipped(tmp_path, warnings):
    boxes = LISTS['list_bbox.txt'].replace('067 059 155 161',
                                           '067 059 067 161')
    root = release(tmp_path, 'Anno', **{'list_bbox.txt': boxes})
    with pytest.raises(AnnotationError, match=r'list_bbox.txt:4: bbox'):
        DeepFashionCDataset(root, 'val', check_images=False)
    val = DeepFashionCDataset(root, 'val', check_images=False,
                              skip_bad_boxes=True)
    assert len(val) == 0
    assert len(DeepFashionCDataset(root, 'train', check_images=False,
                                   skip_bad_boxes=True)) == 2
    assert any('skipped 1 image' in r.getMessage() for r in warnings)
