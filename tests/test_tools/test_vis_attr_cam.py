"""tools/visualization/vis_attr_cam.py on a tiny model: a map per
attribute, drawn at the input's size."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from tests.helpers.tiny_config import write_tiny_config
from tests.helpers.run_tool import run

pytest.importorskip('pytorch_grad_cam', reason='grad-cam is not installed '
                    '(tools/install.sh installs it)')


@pytest.fixture(scope='module')
def tiny(synth_root, tmp_path_factory):
    from mmengine.config import Config
    from mmpretrain.apis import get_model
    tmp = tmp_path_factory.mktemp('cam')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    torch.manual_seed(0)
    model = get_model(Config.fromfile(config))
    model.init_weights()
    ckpt = str(tmp / 'weights.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    image = cv2.imread(osp.join(synth_root, 'images', 'test', '000000.jpg'))
    path = str(tmp / 'wide.png')  # not square: the padding is cropped off
    cv2.imwrite(path, cv2.resize(image, (90, 50)))
    return config, ckpt, path, model


def test_cam_has_the_input_size_and_explains_the_value(tiny):
    from tools.visualization.vis_attr_cam import attribute_cam
    config, ckpt, image, model = tiny
    model.eval()
    cam, value, score = attribute_cam(model, image, 'neck_type')
    assert cam.shape == (50, 90) and 0 <= cam.min() and cam.max() <= 1
    assert cam.max() > 0  # a map, not all zeros
    cam2, value2, _ = attribute_cam(model, image, 'neck_type', value='collar')
    assert value2 == 'collar'
    with pytest.raises(ValueError, match="no value 'polo'"):
        attribute_cam(model, image, 'neck_type', value='polo')
    with pytest.raises(ValueError, match="'hat' is not one of"):
        attribute_cam(model, image, 'hat')


def test_tool_writes_an_image_of_the_input_size(tiny, tmp_path):
    config, ckpt, image, _ = tiny
    out = str(tmp_path / 'cam.png')
    run(['tools/visualization/vis_attr_cam.py', image, config, ckpt,
         '--attribute', 'neck_type', '--out', out])
    assert cv2.imread(out).shape == (50, 90, 3)
    grid = str(tmp_path / 'grid.png')  # 2 models x 2 attributes
    run(['tools/visualization/vis_attr_cam.py', image, config, ckpt,
         '--attribute', 'neck_type', 'closure', '--also', config, ckpt,
         '--out', grid])
    assert cv2.imread(grid).shape == (100, 180, 3)
    assert not np.array_equal(cv2.imread(grid)[:50, :90],
                              cv2.imread(grid)[:50, 90:])
