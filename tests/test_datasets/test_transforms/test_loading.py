import io

import numpy as np
import pytest
from PIL import Image

from mmfashion_attr.datasets import LoadFashionImage
from mmfashion_attr.datasets.transforms import ImageDecodeError


def save(path, img, **kwargs):
    img.save(str(path), **kwargs)
    return str(path)


def load(path, **kwargs):
    out = LoadFashionImage(**kwargs)(dict(img_path=str(path)))
    return None if out is None else out['img']


def test_rgb_jpeg_is_bgr(tmp_path):
    path = save(tmp_path / 'red.png', Image.new('RGB', (8, 6), (255, 0, 0)))
    img = load(path)
    assert img.shape == (6, 8, 3) and img.dtype == np.uint8
    assert tuple(img[0, 0]) == (0, 0, 255)  # BGR like mmcv's loader


def test_grayscale_cmyk_rgba_16bit(tmp_path):
    gray = load(save(tmp_path / 'g.jpg', Image.new('L', (8, 8), 100)))
    assert gray.shape == (8, 8, 3) and abs(int(gray[4, 4, 0]) - 100) <= 2
    cmyk = load(save(tmp_path / 'c.jpg',
                     Image.new('RGB', (8, 8), (0, 0, 255)).convert('CMYK')))
    assert cmyk[4, 4, 0] > 200 and cmyk[4, 4, 2] < 60  # blue, in BGR
    rgba = Image.new('RGBA', (8, 8), (255, 0, 0, 0))
    rgba.putpixel((0, 0), (0, 255, 0, 255))
    rgba_img = load(save(tmp_path / 'a.png', rgba))
    assert tuple(rgba_img[4, 4]) == (255, 255, 255)  # transparent -> white
    assert tuple(rgba_img[0, 0]) == (0, 255, 0)
    arr16 = np.full((8, 8), 65535 // 2, np.uint16)
    deep = load(save(tmp_path / 'd.png', Image.fromarray(arr16)))
    assert abs(int(deep[0, 0, 0]) - 128) <= 1  # scaled, not clipped to 255


def test_exif_rotated_jpeg_is_upright(tmp_path):
    img = Image.new('RGB', (20, 10), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    path = save(tmp_path / 'r.jpg', img, exif=exif.tobytes())
    assert load(path).shape == (20, 10, 3)


def test_draft_mode_decodes_smaller_but_not_below_target(tmp_path):
    path = save(tmp_path / 'big.jpg', Image.new('RGB', (800, 400), 'white'))
    img = load(path, draft_size=180)
    assert img.shape[1] == 200  # 1/4 scale: 200 >= 180 > 100


def test_truncated_corrupt_and_missing_name_the_file(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.randint(0, 255, (64, 64, 3), np.uint8)).save(
        buf, format='JPEG')
    truncated = tmp_path / 'trunc.jpg'
    truncated.write_bytes(buf.getvalue()[:len(buf.getvalue()) // 2])
    corrupt = tmp_path / 'corrupt.jpg'
    corrupt.write_bytes(b'not an image at all')
    for path in (truncated, corrupt):
        with pytest.raises(ImageDecodeError, match=path.name):
            load(path)
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        load(tmp_path / 'missing.jpg', skip_bad=True)  # never skipped


def test_skip_bad_counts_and_returns_none(tmp_path):
    corrupt = tmp_path / 'corrupt.jpg'
    corrupt.write_bytes(b'garbage')
    loader = LoadFashionImage(skip_bad=True)
    assert loader(dict(img_path=str(corrupt))) is None
    assert loader(dict(img_path=str(corrupt))) is None
    assert loader.num_skipped == 2


def test_dataset_skips_opted_in_bad_images_in_training_only(tmp_path):
    import json

    from mmfashion_attr.datasets import CatalogAttrDataset
    (tmp_path / 'schema.json').write_text(json.dumps(dict(
        attributes=[dict(name='color', values=['red'])])))
    Image.new('RGB', (8, 8), (255, 0, 0)).save(tmp_path / 'good.jpg')
    (tmp_path / 'bad.jpg').write_bytes(b'\xff\xd8 truncated')
    (tmp_path / 'ann.csv').write_text('image,category,color\n'
                                      'bad.jpg,,red\ngood.jpg,,red\n')

    def dataset(skip_bad, test_mode=False):
        return CatalogAttrDataset(
            ann_file='ann.csv', schema_file='schema.json',
            data_root=str(tmp_path), test_mode=test_mode,
            pipeline=[dict(type='LoadFashionImage', skip_bad=skip_bad)])

    ds = dataset(skip_bad=True)
    for _ in range(3):  # the bad sample is replaced by the good one
        assert ds[0]['img_path'].endswith('good.jpg')
    assert ds.pipeline.transforms[0].num_skipped >= 3  # random refetches
    with pytest.raises(ImageDecodeError, match='bad.jpg'):
        dataset(skip_bad=False)[0]
    with pytest.raises(Exception, match='should not get `None`'):
        dataset(skip_bad=True, test_mode=True)[0]
