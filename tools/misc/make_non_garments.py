"""Generate images that are not garments, to measure "not a garment"
detection (tools/analysis_tools/garment_ood_report.py).

    python tools/misc/make_non_garments.py --out data/non_garments \
        [--num-per-kind 200] [--size 128] [--seed 0]
        [--kinds background texture shapes noise gradient photo]
        [--photo-views 5]

Writes images/KIND/*.jpg, non_garments.csv (image, kind, source) and
non_garments.json (version and arguments, written last). Kinds
(mmfashion_attr/datasets/synthfashion/non_garments.py): SynthFashion's
backgrounds without a garment, its fabric textures over the whole canvas,
random shapes, noise, gradients (--num-per-kind each), and real photos
bundled with scikit-image and scikit-learn (each whole and as
--photo-views - 1 seeded crops). Same arguments, same bytes.
"""
import argparse
import collections

from mmfashion_attr.datasets.synthfashion.non_garments import (
    KINDS, generate_non_garments)
from mmfashion_attr.utils.cli import UserValueError, run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--num-per-kind', type=int, default=200,
                        help='images of each synthetic kind')
    parser.add_argument('--size', type=int, default=128,
                        help='image side (photos: longer side)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--kinds', nargs='+', default=list(KINDS),
                        metavar='KIND', help=f'of {", ".join(KINDS)}')
    parser.add_argument('--photo-views', type=int, default=5,
                        help='views per real photo: the whole, then crops')
    args = parser.parse_args()
    for name in ('num_per_kind', 'size', 'photo_views'):
        if getattr(args, name) < 1:
            raise UserValueError(f'--{name.replace("_", "-")} '
                                 f'{getattr(args, name)}: must be at least 1')
    rows = generate_non_garments(args.out, args.num_per_kind, args.size,
                                 args.seed, args.kinds, args.photo_views)
    counts = collections.Counter(r['kind'] for r in rows)
    print(f'wrote {len(rows)} images to {args.out}: ' + ', '.join(
        f'{k} {n}' for k, n in counts.items()))
    if 'photo' in args.kinds and not counts['photo']:
        print('no real photos: install scikit-image or scikit-learn '
              '(requirements/tests.txt)')


if __name__ == '__main__':
    run_main(main)
