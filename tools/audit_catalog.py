"""Rank a catalogue's seller labels by how likely they are wrong.

    python tools/audit_catalog.py --ann CATALOGUE.csv|.jsonl
        --scores DIR/oof_scores.jsonl --out OUT_DIR [--schema schema.json]
        [--img-prefix DIR] [--all] [--html-rows 500]

--scores: out-of-sample scores in tools/infer_catalog.py's format, from
tools/analysis_tools/cross_val_scores.py (a model's scores of its own
training images find few errors: it has memorised them). Writes
OUT_DIR/issues.csv (rank, image, attribute, seller_value, suggested_value,
score, kind, reason; the flagged labels, every audited one with --all),
summary.json (per attribute: labels, checked, flagged, estimated noise
rate, schema errors, the fold model's out-of-fold accuracy and macro F1
beside the majority baseline's, a warning when it is not clearly better)
and audit.html (the fold models' table and warnings, thumbnails, category,
seller vs suggested value, sortable by score, filtered per attribute;
opens from disk). Scores are calibrated per attribute (--no-calibration:
as cleanlab gives them); opinions of fold models with a skill below
--min-skill (default 0.1) are ranked after every other row. Values the
schema does not allow for the category are kind 'schema', unknown values
'unknown_value'; the rest are cleanlab's (mmfashion_attr/analysis/
label_audit.py). The catalogue is read by the training reader: a ragged
row, a duplicate column or image, bytes that are not UTF-8 or an empty file
stop it naming file:line (tools/check_catalog.py lists them all).
"""
import argparse
import json
import logging
import os
import os.path as osp

from mmfashion_attr.analysis.label_audit import (MIN_SKILL, audit_catalogue,
                                                 write_html, write_issues_csv)
from mmfashion_attr.utils.cli import run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ann', required=True, help='catalogue CSV / JSONL')
    parser.add_argument('--scores', required=True,
                        help='out-of-fold scores (JSON Lines)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--schema', default=None,
                        help='schema.json (default: beside --ann)')
    parser.add_argument('--img-prefix', default='',
                        help="folder the catalogue's image names are "
                        'relative to (as tools/infer_catalog.py)')
    parser.add_argument('--all', action='store_true',
                        help='issues.csv lists every audited label')
    parser.add_argument('--html-rows', type=int, default=500,
                        help='flagged rows shown in audit.html')
    parser.add_argument('--min-skill', type=float, default=MIN_SKILL,
                        help='fold models below this skill (share of the '
                        "majority baseline's disagreements removed) are "
                        'not trusted: their opinions rank last, warned')
    parser.add_argument('--no-calibration', action='store_true',
                        help="rank cleanlab's scores as they are (no "
                        'per-attribute temperature)')
    return parser.parse_args()


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    schema = args.schema or osp.join(osp.dirname(args.ann), 'schema.json')
    rows, summary = audit_catalogue(args.ann, schema, args.scores,
                                    args.img_prefix,
                                    min_skill=args.min_skill,
                                    calibrate=not args.no_calibration)
    os.makedirs(args.out, exist_ok=True)
    written = write_issues_csv(osp.join(args.out, 'issues.csv'), rows,
                               args.all)
    shown = write_html(osp.join(args.out, 'audit.html'), rows,
                       args.html_rows, summary=summary)
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(dict(summary['overall'], issues_csv_rows=written,
                          html_rows=shown)))


if __name__ == '__main__':
    run_main(main)
