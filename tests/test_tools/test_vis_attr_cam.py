"""tools/visualization/vis_attr_cam.py on a tiny model: a map per
attribute, drawn at the input's size."""
import os.path as osp

import cv2
import numpy as np
import pytest

from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config
from tests.helpers.run_tool import run

pytest.importorskip('pytorch_grad_cam', reason='grad-cam is not installed '
                    '(tools/install.sh installs it)')


@pytest.fixture(scope='module')
def tiny(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cam')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp / 'weights.pth')
    image = cv2.imread(osp.join(synth_root, 'images', 'test', '000000.jpg'))
    path = str(tmp / 'wide.png')  # not square: the padding is cropped off
    cv2.imwrite(path, cv2.resize(image, (90, 50)))
    from mmfashion_attr.apis import init_trained_model
    return config, ckpt, path, init_trained_model(config, ckpt)


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


def test_a_region_of_the_input_maps_back_onto_the_wide_image(tiny):
    """The test pipeline resizes the 90 x 50 image to 64 x 36 and pads it
    below to 64 x 64 (mmcv's Pad then reports img_shape (64, 64)). A map hot
    exactly where a box of the original lands in the network input must come
    back hot over that box: cropping the padded 64 x 64 instead stretches it
    upwards."""
    from mmengine.config import Config

    from mmfashion_attr.apis.attribute_inferencer import test_pipeline
    from tools.visualization.vis_attr_cam import (cam_to_original,
                                                  pack_with_content_shape)
    config, _, image, _ = tiny
    packed, content = pack_with_content_shape(
        test_pipeline(Config.fromfile(config)), image)
    assert content[1] == 64 and abs(content[0] - 50 * 64 / 90) < 1
    assert tuple(packed['inputs'].shape[1:]) == (64, 64)
    assert packed['data_samples'].metainfo['img_shape'] == (64, 64)
    sy, sx = content[0] / 50, content[1] / 90
    y0, y1, x0, x1 = 36, 48, 6, 24  # a box near the bottom left, original px
    cam = np.zeros((64, 64), np.float32)
    cam[round(y0 * sy):round(y1 * sy), round(x0 * sx):round(x1 * sx)] = 1
    back = cam_to_original(cam, content, (50, 90))
    assert back.shape == (50, 90)
    ys, xs = np.nonzero(back > 0.5)
    assert abs(ys.mean() - (y0 + y1 - 1) / 2) < 1.5
    assert abs(xs.mean() - (x0 + x1 - 1) / 2) < 1.5


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
