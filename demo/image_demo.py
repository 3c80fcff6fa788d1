"""Predict the attributes of images with a trained model.

    python demo/image_demo.py INPUT CONFIG CHECKPOINT [--out results.jsonl]
        [--thresholds FILE_OR_FLOAT] [--batch-size 16] [--device cuda]
        [--backend onnxruntime]   # CHECKPOINT: a pytorch2onnx.py file
        [--backend onnxruntime-int8|openvino|openvino-int8]   # CHECKPOINT:
                                  # an export_backend.py file of it

INPUT: an image, a folder of images or a .txt file listing image paths.
Prints each image's predicted values with scores; --out writes JSON Lines.
"""
import argparse
import json

from mmfashion_attr.apis import AttributeInferencer
from mmfashion_attr.deployment.backends import BACKENDS
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='image, folder or .txt list of images')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (with another '
                        "--backend: that backend's exported file)")
    parser.add_argument('--backend', choices=BACKENDS, default='pytorch')
    parser.add_argument('--out', help='write results as JSON Lines')
    parser.add_argument('--thresholds',
                        help='a float, or a file from calibrate_thresholds.py')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', default=None)
    parser.add_argument('--workers', type=int, default=None,
                        help='DataLoader workers decoding the images '
                        '(default: up to 4 for more than one batch)')
    parser.add_argument('--quiet', action='store_true',
                        help='do not print per-image predictions')
    args = parser.parse_args()
    inferencer = AttributeInferencer(args.config, args.checkpoint,
                                     device=args.device,
                                     thresholds=args.thresholds,
                                     backend=args.backend)
    results = inferencer(args.input, batch_size=args.batch_size,
                         num_workers=args.workers)
    if args.out:
        with open(args.out, 'w') as f:
            for result in results:
                f.write(json.dumps(result) + '\n')
    if not args.quiet:
        for result in results:
            print(result['img_path'])
            for task, values in result['attributes'].items():
                shown = ', '.join(f'{v["value"]} ({v["score"]:.2f})'
                                  for v in values) or '-'
                print(f'  {task:<16} {shown}')
    if args.out:
        print(f'wrote {len(results)} results to {args.out}')


if __name__ == '__main__':
    run_main(main)
