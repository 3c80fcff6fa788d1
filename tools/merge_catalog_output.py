"""Merge tools/infer_catalog.py's output folder into one file.

    python tools/merge_catalog_output.py OUT_DIR FILE.jsonl|FILE.csv

Each image once (its latest complete line: a rerun's prediction replaces an
earlier error), sorted by image path; a line cut by a kill is left out.
JSON Lines: the lines as infer_catalog wrote them. CSV: image, image_b64
(the exact bytes of a name that is not UTF-8), error, per task the chosen
values joined by '|', then one 'task/value' column per score. Prints the
counts (images, predicted, unreadable).
"""
import argparse
import json

from mmfashion_attr.apis.catalog_output import merge_outputs
from mmfashion_attr.utils.cli import run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help="infer_catalog's --out folder")
    parser.add_argument('dest', help='the merged file (.jsonl or .csv)')
    return parser.parse_args()


def main():
    args = parse_args()
    print(json.dumps(merge_outputs(args.out_dir, args.dest)))


if __name__ == '__main__':
    run_main(main)
