"""``.txt`` image lists (``read_image_list``: the inferencer, the demos and
``infer_catalog --list``) hold any file name the filesystem holds."""
import codecs
import json
import os
import os.path as osp
import shutil

import pytest

from tests.helpers.run_tool import run
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

LATIN1 = b'caf\xe9.jpg'  # 'café.jpg' saved by a Latin-1 / CP1252 system


def write_list(path, names, bom=False):
    with open(path, 'wb') as f:
        f.write((codecs.BOM_UTF8 if bom else b'') +
                b'\r\n'.join(names) + b'\r\n\r\n')
    return str(path)


def test_names_are_read_as_the_bytes_on_disk(tmp_path):
    from mmfashion_attr.apis.attribute_inferencer import (expand_inputs,
                                                          read_image_list)
    folder = os.fsencode(str(tmp_path))
    names = [osp.join(folder, LATIN1), osp.join(folder, 'grün.jpg'.encode())]
    for name in names:
        with open(name, 'wb') as f:
            f.write(b'x')
    list_file = write_list(tmp_path / 'images.txt', names + [b'  '],
                           bom=True)
    for read in (read_image_list, expand_inputs):
        paths = read(list_file)
        assert [os.fsencode(p) for p in paths] == names
        assert all(osp.isfile(p) for p in paths)
    assert paths[1].endswith('grün.jpg')


@pytest.fixture(scope='module')
def model(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('list')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    return config, save_tiny_checkpoint(config, tmp / 'weights.pth')


@pytest.fixture
def images(synth_root, tmp_path):
    """The same image under a UTF-8 and a Latin-1 name, and a list of
    both."""
    src = osp.join(synth_root, 'images', 'test', '000000.jpg')
    names = [osp.join(os.fsencode(str(tmp_path)), n)
             for n in (b'plain.jpg', LATIN1)]
    for name in names:
        shutil.copyfile(os.fsencode(src), name)
    return names, write_list(tmp_path / 'images.txt', names)


def test_the_inferencer_predicts_a_latin1_name_from_a_list(model, images):
    from mmfashion_attr.apis import AttributeInferencer
    names, list_file = images
    plain, latin1 = AttributeInferencer(*model)(list_file, num_workers=0)
    assert os.fsencode(latin1['img_path']) == names[1]
    assert latin1['scores'] == plain['scores']


def test_the_demo_predicts_a_latin1_name_from_a_list(model, images,
                                                     tmp_path):
    names, list_file = images
    out = str(tmp_path / 'out.jsonl')
    run(['demo/image_demo.py', list_file, *model, '--out', out, '--quiet',
         '--workers', '0'])
    with open(out, encoding='utf-8') as f:
        plain, latin1 = map(json.loads, f)
    assert os.fsencode(latin1['img_path']) == names[1]
    assert latin1['scores'] == plain['scores']
