"""Convert Fashionpedia / iMaterialist-2021 attributes to the catalogue format.

    python tools/dataset_converters/fashionpedia_to_catalog.py \
        data/fashionpedia/instances_attributes_train2020.json \
        --out-dir data/imat2021_catalog --split train \
        [--supercategories length "neckline type" ...] [--categories ...]

Image-level: each image's attributes are those of its garment instances.
Writes ``schema.json`` and ``{split}.csv`` (image paths as in the JSON).
"""
import argparse
import csv
import json
import os
import os.path as osp

from mmfashion_attr.datasets import FashionpediaAttrDataset
from mmfashion_attr.datasets.catalog.dataset import VALUE_SEPARATOR
from mmfashion_attr.datasets.fashionpedia.attribute_dataset import PAPER_SUPERCATEGORIES
from mmfashion_attr.datasets.schema import task_slices
from mmfashion_attr.utils.cli import run_main


def convert(ann_file, out_dir, split, supercategories, categories=None):
    ds = FashionpediaAttrDataset(ann_file=ann_file,
                                 supercategories=supercategories,
                                 categories=categories, serialize_data=False,
                                 check_images=False)  # labels only
    tasks = ds.metainfo['tasks']
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'schema.json'), 'w',
              encoding='utf-8') as f:
        json.dump(ds.schema.to_dict(), f, indent=1)
    with open(osp.join(out_dir, f'{split}.csv'), 'w', newline='',
              encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['image', 'category'] + [t['name'] for t in tasks])
        for info in ds.data_list:
            row = [info['img_path'], '']
            for task, sl in zip(tasks, task_slices(tasks)):
                hot = info['gt_attr'][sl]
                row.append(VALUE_SEPARATOR.join(
                    c for c, h in zip(task['classes'], hot) if h))
            writer.writerow(row)
    return len(ds.data_list)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--split', default='train')
    parser.add_argument('--supercategories', nargs='+',
                        default=list(PAPER_SUPERCATEGORIES))
    parser.add_argument('--categories', nargs='+', default=None)
    args = parser.parse_args()
    n = convert(args.ann_file, args.out_dir, args.split,
                args.supercategories, args.categories)
    print(f'wrote {n} rows to {osp.join(args.out_dir, args.split)}.csv')


if __name__ == '__main__':
    run_main(main)
