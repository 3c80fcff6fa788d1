"""Generate the embedded SynthFashion dataset in the catalogue format.

    python tools/misc/make_synthfashion.py --out data/synthfashion \
        --num-train 3000 --num-val 600 --num-test 600 --size 256 --seed 0 \
        [--workers 2] [--deepfashion-c] [--instances]
        [--label-noise 0.05 --noise-seed 0] [--detail-scale photo]
        [--correlated]

Writes images/{train,val,test}/*.jpg, schema.json, train.csv, val.csv,
test.csv (held out: val picks checkpoints and calibrates thresholds) and
synthfashion.json (generator version and arguments, written last).
Same arguments, same bytes (the worker count does not matter).
--deepfashion-c also writes DeepFashion-C's list files for the same images
(Anno/, Eval/, Img/img -> images/); --instances writes every garment's mask,
category and attributes as instances_{split}.json (Fashionpedia's COCO-style
JSON, for Attribute Mask R-CNN). --detail-scale photo draws the small details
(neckline, placket, buttons, cuffs, zip, rips) at real garments' proportions
(docs/datasets.md; meant with --size 224). --label-noise flips that fraction of
each attribute's training labels to another allowed value, the truth in
train_noise.jsonl (datasets/synthfashion/label_noise.py). --correlated draws
the attributes from a joint distribution with catalogue-like dependencies
(datasets/synthfashion/correlated.py, docs/datasets.md). --if-changed
skips the work when OUT already holds this generation.
"""
import argparse
import time

from mmfashion_attr.datasets.synthfashion import generate, is_current
from mmfashion_attr.datasets.synthfashion.label_noise import (
    apply_label_noise, noise_is_current)
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--num-train', type=int, default=3000)
    parser.add_argument('--num-val', type=int, default=600)
    parser.add_argument('--num-test', type=int, default=600)
    parser.add_argument('--size', type=int, default=256, help='image side')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--deepfashion-c', action='store_true',
                        help="also write DeepFashion-C's layout (Anno/, "
                        'Eval/, Img/img) for the same images')
    parser.add_argument('--instances', action='store_true',
                        help='also write instances_{split}.json (garment '
                        'masks, categories, attribute ids)')
    parser.add_argument('--detail-scale', choices=['synth', 'photo'],
                        default='synth',
                        help="details' size: synth (large, the default) or "
                        "photo (real garments' proportions)")
    parser.add_argument('--correlated', action='store_true',
                        help='attributes that depend on each other '
                        '(docs/datasets.md)')
    parser.add_argument('--if-changed', action='store_true',
                        help='do nothing if OUT already holds this version '
                        'generated with these arguments')
    parser.add_argument('--label-noise', type=float, default=0.0,
                        help='fraction of training labels to flip')
    parser.add_argument('--noise-seed', type=int, default=0)
    args = parser.parse_args()
    current = is_current(args.out, args.num_train, args.num_val, args.size,
                         args.seed, args.num_test, args.deepfashion_c,
                         args.instances, args.detail_scale,
                         args.correlated)
    if args.if_changed and current and noise_is_current(
            args.out, args.label_noise, args.noise_seed):
        print(f'{args.out} is up to date')
        return
    start = time.perf_counter()
    generate(args.out, args.num_train, args.num_val, args.size, args.seed,
             args.workers, args.num_test, args.deepfashion_c, args.instances,
             detail_scale=args.detail_scale, correlated=args.correlated)
    apply_label_noise(args.out, args.label_noise, args.noise_seed)
    total = args.num_train + args.num_val + args.num_test
    elapsed = time.perf_counter() - start
    print(f'wrote {total} images to {args.out} in {elapsed:.1f}s '
          f'({total / elapsed:.0f} images/s with {args.workers} worker(s))')


if __name__ == '__main__':
    run_main(main)
