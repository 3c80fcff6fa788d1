"""Images/s of one data-loading worker for a config's train pipeline.

    python benchmarks/data_pipeline.py [--config configs/effv2m_fpn_cbam.py]
        [--num 200] [--width 1000] [--height 1333] [--no-draft]

Generates catalogue-like JPEGs (SynthFashion garments scaled up to the given
size, as sellers upload), then runs the train pipeline (decode, resize, pad,
affine, flip, pack) over them in this one process, which is what each
DataLoader worker does.
"""
import argparse
import io
import os.path as osp
import tempfile
import time

import numpy as np
from mmcv.transforms import Compose
from mmengine.config import Config
from mmpretrain.registry import TRANSFORMS
from PIL import Image

import mmfashion_attr  # noqa: F401
from mmfashion_attr.datasets.synthfashion import make_sample


def make_images(folder, num, width, height):
    paths = []
    for i in range(num):
        data, _, _ = make_sample(0, 'train', i, 256)
        img = Image.open(io.BytesIO(data)).resize(
            (width, height), Image.BILINEAR)
        path = osp.join(folder, f'{i:05d}.jpg')
        img.save(path, quality=90)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default='configs/effv2m_fpn_cbam.py')
    parser.add_argument('--num', type=int, default=200)
    parser.add_argument('--width', type=int, default=1000)
    parser.add_argument('--height', type=int, default=1333)
    parser.add_argument('--no-draft', action='store_true',
                        help='decode JPEGs at full size (for comparison)')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    steps = [dict(t) for t in cfg.train_dataloader.dataset.pipeline]
    if args.no_draft:
        for t in steps:
            t.pop('draft_size', None)
    pipeline = Compose([TRANSFORMS.build(t) for t in steps])
    ncls, ntask = 8, 3
    with tempfile.TemporaryDirectory() as folder:
        paths = make_images(folder, args.num, args.width, args.height)
        pipeline(dict(img_path=paths[0], gt_attr=np.zeros(ncls, np.uint8),
                      gt_attr_mask=np.zeros(ntask, bool)))  # warm up
        start = time.perf_counter()
        for path in paths:
            out = pipeline(dict(img_path=path,
                                gt_attr=np.zeros(ncls, np.uint8),
                                gt_attr_mask=np.zeros(ntask, bool)))
        elapsed = time.perf_counter() - start
    shape = tuple(out['inputs'].shape)
    print(f'{args.config}: {args.num} JPEGs {args.width}x{args.height} -> '
          f'{shape}, draft={"off" if args.no_draft else "on"}: '
          f'{args.num / elapsed:.1f} images/s per worker')


if __name__ == '__main__':
    main()
