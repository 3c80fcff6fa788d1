"""List every problem of a catalogue file in one pass.

    python tools/check_catalog.py CATALOGUE.csv|.jsonl [--schema S.json |
        --no-schema] [--img-prefix DIR] [--max-listed 1000]

The rules and messages of training (CatalogAttrDataset), the label audit
and infer_catalog, which stop at the first problem: encoding (UTF-8, a BOM
is fine), header (duplicate / missing column), unknown_attribute, ragged
(more or fewer cells than the header), malformed CSV / JSON, empty_image,
empty_file, unknown_value (a value or category the schema does not know),
schema (a value or attribute the category does not allow, several values
in a single-label attribute), duplicate_image (image names normalised:
./a/x.jpg is a/x.jpg) and, with --img-prefix, missing_image. Prints the
first --max-listed as FILE:LINE: MESSAGE [KIND], then the counts per kind
as one JSON line. Exit status 1 when there is a problem, 0 when none.
--schema: default schema.json beside the catalogue; --no-schema checks the
structure only.
"""
import argparse
import json
import os.path as osp
import sys

from mmfashion_attr.datasets.catalog.check import check_catalogue
from mmfashion_attr.datasets.catalog.reader import AnnotationError
from mmfashion_attr.utils.cli import run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann', help='catalogue CSV / JSON Lines')
    schema = parser.add_mutually_exclusive_group()
    schema.add_argument('--schema', default=None,
                        help='schema.json (default: beside the catalogue)')
    schema.add_argument('--no-schema', action='store_true',
                        help='check the structure only, not the labels')
    parser.add_argument('--img-prefix', default=None,
                        help="folder the catalogue's image names are "
                        'relative to: check that every image exists')
    parser.add_argument('--max-listed', type=int, default=1000,
                        help='problems listed at most (all are counted)')
    return parser.parse_args()


def main():
    args = parse_args()
    schema = None if args.no_schema else args.schema or osp.join(
        osp.dirname(args.ann), 'schema.json')
    if schema and not osp.exists(schema):
        sys.exit(f'{schema}: no such schema (--schema FILE, or --no-schema '
                 'to check the structure only)')
    try:
        report = check_catalogue(args.ann, schema, args.img_prefix,
                                 args.max_listed)
    except (AnnotationError, OSError) as e:  # unknown format, no such file
        sys.exit(str(e))
    for line in report['listed']:
        print(line)
    if report['problems'] > len(report['listed']):
        print(f'... {report["problems"] - len(report["listed"])} more')
    print(json.dumps({k: report[k] for k in ('rows', 'problems', 'counts')}))
    sys.exit(1 if report['problems'] else 0)


if __name__ == '__main__':
    run_main(main)
