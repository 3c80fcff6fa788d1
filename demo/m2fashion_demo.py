"""Predict the category and the unknown attributes of images with an
M2Fashion model, given the attributes a seller already filled in.

    python demo/m2fashion_demo.py IMAGE [IMAGE ...] --config CONFIG
        --checkpoint CKPT [--known "floral=1" "solid=-1" ...] [--topk 5]
        [--out results.jsonl] [--device cuda]

--known applies to every image: NAME=1 (has it) or NAME=-1 (has it not),
NAME as in the checkpoint's attribute list (Anno/list_attr_cloth.txt).
"""
import argparse
import json

from mmfashion_attr.apis import M2FashionInferencer
from mmfashion_attr.utils.cli import run_main


def parse_known(items):
    known = {}
    for item in items or []:
        name, sep, state = item.rpartition('=')
        if not sep or state not in ('1', '-1'):
            raise SystemExit(f'--known {item!r}: expected NAME=1 or NAME=-1')
        known[name] = int(state)
    return known


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--config', required=True, help='M2Fashion config')
    parser.add_argument('--checkpoint', required=True, help='its checkpoint')
    parser.add_argument('--known', nargs='*', metavar='NAME=STATE',
                        help='given attribute states (1 or -1)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--out', help='write results as JSON Lines')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    inferencer = M2FashionInferencer(args.config, args.checkpoint,
                                     device=args.device)
    results = inferencer(args.images, known=parse_known(args.known),
                         topk=args.topk)
    if args.out:
        with open(args.out, 'w') as f:
            for result in results:
                f.write(json.dumps(result) + '\n')
    for result in results:
        print(result['image'])
        print('  category:  ' + ', '.join(
            f'{name} ({score:.2f})' for name, score in result['category']))
        print('  attributes: ' + ', '.join(
            f'{name} ({score:.2f})' for name, score in result['attributes']))


if __name__ == '__main__':
    run_main(main)
