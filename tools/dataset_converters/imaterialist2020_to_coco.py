"""Convert Kaggle iMaterialist-Fashion-2020 annotations to Fashionpedia's
COCO-style JSON (``attribute_ids`` per garment, masks as COCO RLE).

    python tools/dataset_converters/imaterialist2020_to_coco.py \
        data/imat2020/train.csv data/imat2020/label_descriptions.json \
        --out data/imat2020/instances_attributes_train.json \
        [--img-dir data/imat2020/train]

With --img-dir, images missing there are skipped with their garments
(counted, listed in the JSON's ``skipped_images``).
"""
import argparse
import json

from mmfashion_attr.datasets.fashionpedia.imaterialist_csv import convert
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('csv', help='train.csv')
    parser.add_argument('descriptions', help='label_descriptions.json')
    parser.add_argument('--out', required=True, help='output JSON')
    parser.add_argument('--img-dir', help='check that the images exist')
    args = parser.parse_args()
    coco = convert(args.csv, args.descriptions, args.img_dir)
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(coco, f)
    print(f'{args.out}: {len(coco["images"])} images, '
          f'{len(coco["annotations"])} garments, '
          f'{len(coco["skipped_images"])} images skipped')


if __name__ == '__main__':
    run_main(main)
