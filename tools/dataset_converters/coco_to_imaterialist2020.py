"""Write Fashionpedia's COCO-style JSON (e.g. SynthFashion's
``instances_{split}.json``) as Kaggle iMaterialist-Fashion-2020's
``train.csv`` + ``label_descriptions.json``, the inverse of
imaterialist2020_to_coco.py.

    python tools/dataset_converters/coco_to_imaterialist2020.py \
        data/synthfashion_instances/instances_test.json \
        --out-dir data/synthfashion_instances/imaterialist_test
"""
import argparse
import json
import os
import os.path as osp

from mmfashion_attr.datasets.fashionpedia.imaterialist_csv import write_csv
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('json', help='COCO-style JSON with attribute_ids')
    parser.add_argument('--out-dir', required=True,
                        help='writes train.csv and label_descriptions.json')
    args = parser.parse_args()
    with open(args.json, encoding='utf-8') as f:
        coco = json.load(f)
    os.makedirs(args.out_dir, exist_ok=True)
    rows = write_csv(coco, osp.join(args.out_dir, 'train.csv'),
                     osp.join(args.out_dir, 'label_descriptions.json'))
    print(f'{args.out_dir}: {rows} garments of {len(coco["images"])} images')


if __name__ == '__main__':
    run_main(main)
