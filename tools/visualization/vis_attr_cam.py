"""Where the model looks for one attribute: a Grad-CAM map over the image.

    python tools/visualization/vis_attr_cam.py IMAGE CONFIG CKPT
        --attribute NAME [NAME ...] [--value V] --out F.png
        [--also CONFIG CKPT ...] [--target-layers backbone.layers.6 ...]
        [--method gradcam|gradcam++|xgradcam|eigengradcam|layercam]
        [--tile-size 256]

For each attribute (columns) and model (rows: CONFIG CKPT, then each
--also pair), Grad-CAM (the grad-cam package, as mmpretrain's vis_cam.py)
of the logit of --value, else of the attribute's top-scoring value, drawn
over the original image. Target layers: the backbone stages the neck taps
(all scales, averaged), else --target-layers. One model and one attribute
give an image of the input's size.
"""
import argparse
import os.path as osp

import cv2
import mmcv
import numpy as np
import torch
from mmengine.config import Config
from torch import nn

import mmfashion_attr  # noqa: F401
from mmfashion_attr.apis import init_trained_model
from mmfashion_attr.apis.attribute_inferencer import model_tasks, test_pipeline
from mmfashion_attr.datasets.schema import task_slices
from mmfashion_attr.utils.cli import UserValueError, run_main

METHODS = ('gradcam', 'gradcam++', 'xgradcam', 'eigengradcam', 'layercam')


class _Logits(nn.Module):
    """Normalized image -> all tasks' logits (what Grad-CAM differentiates)."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x):
        return self.classifier.head(self.classifier.extract_feat(x))


def tap_layers(classifier) -> list:
    """The backbone stages whose outputs the neck takes."""
    backbone = classifier.backbone
    return [backbone.layers[i] for i in backbone.out_indices]


def pack_with_content_shape(pipeline, image_path):
    """Run the test pipeline on one image; also return the ``(h, w)`` of the
    image inside the network input, i.e. before any padding (mmcv's ``Pad``
    overwrites ``img_shape`` with the padded size)."""
    results, content = dict(img_path=image_path), None
    for transform in pipeline.transforms:
        if type(transform).__name__ == 'Pad' and content is None:
            content = tuple(results['img'].shape[:2])
        results = transform(results)
    if content is None:
        content = tuple(results['inputs'].shape[1:])
    return results, content


def cam_to_original(cam, content_shape, original_shape):
    """A map over the network input (image at the top left, padding right
    and below) -> the same map over the original image: crop off the
    padding, undo the resize."""
    h, w = content_shape
    oh, ow = original_shape
    return cv2.resize(cam[:h, :w], (ow, oh))


def attribute_cam(classifier, image_path, attribute, value=None,
                  method='gradcam', target_layers=None):
    """``(cam, value, score)``: the map in ``[0, 1]`` at the original
    image's size, the explained value and its score."""
    import pytorch_grad_cam as gc
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    tasks = model_tasks(classifier)
    names = [t['name'] for t in tasks]
    if attribute not in names:
        raise UserValueError(f'attribute {attribute!r} is not one of {names}')
    k = names.index(attribute)
    sl, classes = task_slices(tasks)[k], tasks[k]['classes']
    packed, content = pack_with_content_shape(
        test_pipeline(classifier._config), image_path)
    inputs = classifier.data_preprocessor(
        dict(inputs=packed['inputs'][None]), False)['inputs']
    with torch.no_grad():
        scores = classifier.head.scores(_Logits(classifier)(inputs).float())
    task_scores = scores[0, sl]
    if value is None:
        index = int(task_scores.argmax())
    elif value in classes:
        index = classes.index(value)
    else:
        raise UserValueError(
            f'{attribute!r} has no value {value!r}: {classes}')
    cam_class = dict(gradcam=gc.GradCAM, xgradcam=gc.XGradCAM,
                     eigengradcam=gc.EigenGradCAM, layercam=gc.LayerCAM)
    cam_class['gradcam++'] = gc.GradCAMPlusPlus
    with cam_class[method](_Logits(classifier),
                           target_layers or tap_layers(classifier)) as cam:
        grayscale = cam(inputs, targets=[ClassifierOutputTarget(
            sl.start + index)])[0]
    grayscale = cam_to_original(grayscale, content,
                                packed['data_samples'].metainfo['ori_shape'])
    return grayscale, classes[index], float(task_scores[index])


def overlay(image_path, cam, caption, height=None):
    """RGB image with the map blended in and a caption (lines split at
    ``\\n``; ``height``: resized to it first)."""
    from pytorch_grad_cam.utils.image import show_cam_on_image
    rgb = mmcv.imread(image_path, channel_order='rgb').astype(np.float32)
    if height:
        size = (round(rgb.shape[1] * height / rgb.shape[0]), height)
        rgb, cam = cv2.resize(rgb, size), cv2.resize(cam, size)
    drawn = show_cam_on_image(rgb / 255, cam, use_rgb=True)
    scale = max(drawn.shape[1] / 256, 0.3)
    for k, line in enumerate(caption.split('\n')):
        cv2.putText(drawn, line, (3, int((k + 1) * 15 * scale) + 2),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45 * scale, (255, 255, 255),
                    1, cv2.LINE_AA)
    return drawn


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--attribute', nargs='+', required=True)
    parser.add_argument('--value', help='explain this value (one attribute)')
    parser.add_argument('--also', nargs=2, action='append', default=[],
                        metavar=('CONFIG', 'CKPT'),
                        help='another model, drawn as another row')
    parser.add_argument('--target-layers', nargs='+',
                        help='module names, e.g. backbone.layers.6')
    parser.add_argument('--method', choices=METHODS, default='gradcam')
    parser.add_argument('--tile-size', type=int, default=None,
                        help='resize each tile to this height (default: '
                        "the image's own size)")
    parser.add_argument('--out', required=True, help='PNG to write')
    args = parser.parse_args()
    if args.value and len(args.attribute) > 1:
        parser.error('--value goes with a single --attribute')
    rows = []
    for config, ckpt in [(args.config, args.checkpoint)] + args.also:
        model = init_trained_model(config, ckpt)
        layers = [model.get_submodule(n) for n in args.target_layers] \
            if args.target_layers else None
        name = osp.splitext(osp.basename(config))[0]
        tiles = []
        for attribute in args.attribute:
            cam, value, score = attribute_cam(model, args.image, attribute,
                                              args.value, args.method,
                                              layers)
            caption = f'{attribute}={value} {score:.2f}'
            if args.also:
                caption = f'{name}\n{caption}'
            tiles.append(overlay(args.image, cam, caption, args.tile_size))
        rows.append(np.concatenate(tiles, axis=1))
    mmcv.imwrite(mmcv.rgb2bgr(np.concatenate(rows, axis=0)), args.out,
                 auto_mkdir=True)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    run_main(main)
