"""Export a trained model to ONNX (images in, final scores out) and check it.

    python tools/deployment/pytorch2onnx.py CONFIG CKPT --out model.onnx
        [--dynamic-batch] [--opset 18] [--batch-size 1] [--images DIR|LIST]
        [--num-images 8] [--tolerance 1e-4]

The graph holds the data preprocessor, backbone, neck and head, and ends with
the per-task sigmoid / softmax and the per-category value masks: its output
is the ``pred_score`` of tools/test.py. Input: uint8 (N, 3, H, W) BGR, as the
config's test pipeline packs images (H, W: that pipeline's output size).
The tasks and value names are stored in the file's metadata.

After export, the scores of PyTorch and ONNX Runtime are compared on random
images and on real ones (--images, else the config's test set); the tool
prints the largest absolute difference and exits with 1 above --tolerance.
Needs the deploy extra: pip install -e .[deploy]
"""
import argparse
import os
import sys

import torch
from mmengine.config import Config, DictAction

import mmfashion_attr  # noqa: F401
from mmfashion_attr.apis import init_trained_model
from mmfashion_attr.apis.attribute_inferencer import model_tasks
from mmfashion_attr.apis.packed_images import packed_images
from mmfashion_attr.deployment import (ScoresModel, export_onnx,
                                       max_score_difference)
from mmfashion_attr.utils.cli import UserValueError, run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument('--dynamic-batch', action='store_true',
                        help='any batch size at run time')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='exported batch without --dynamic-batch')
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--images', help='real images for the parity check: '
                        'a folder or a list file (default: the test set)')
    parser.add_argument('--num-images', type=int, default=8,
                        help='real and random images in the parity check')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest allowed score difference')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def real_images(cfg, images, n) -> torch.Tensor:
    """``n`` images through the test pipeline, packed: uint8 (n, 3, H, W)."""
    try:
        return packed_images(cfg, n, images)
    except UserValueError as e:
        sys.exit(f'{e} (for the parity check; pass --images DIR)')


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    classifier = init_trained_model(cfg, args.checkpoint)
    scores_model = ScoresModel(classifier)
    real = real_images(cfg, args.images, args.num_images)
    size = tuple(real.shape[2:])
    export_onnx(scores_model, args.out, size, model_tasks(classifier),
                batch_size=args.batch_size, dynamic_batch=args.dynamic_batch,
                opset=args.opset)
    print(f'wrote {args.out} ({os.path.getsize(args.out) / 2**20:.1f} MiB; '
          f'input uint8 (N, 3, {size[0]}, {size[1]}) BGR, output scores)')
    torch.manual_seed(0)
    noise = torch.randint(0, 256, (args.num_images, 3, *size),
                          dtype=torch.uint8)
    worst = 0.0
    for name, images in (('random', noise), ('real', real)):
        diff = max_score_difference(scores_model, args.out, images)
        worst = max(worst, diff)
        print(f'parity on {len(images)} {name} images: max |score difference| '
              f'= {diff:.2e}')
    if worst > args.tolerance:
        # a result, not a user error: status 1
        print(f'FAILED: {worst:.2e} > tolerance {args.tolerance:.0e}',
              file=sys.stderr)
        sys.exit(1)
    print(f'OK: within {args.tolerance:.0e}')


if __name__ == '__main__':
    run_main(main)
