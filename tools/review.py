"""Review the label audit's flagged labels in the browser.

    python tools/review.py --audit AUDIT_DIR --ann CATALOGUE.csv|.jsonl
        [--img-prefix DIR] [--schema schema.json] [--db FILE]
        [--export-dir DIR] [--host 127.0.0.1 --port 8001] [--export]

AUDIT_DIR: tools/audit_catalog.py's --out (issues.csv, and summary.json
shown per attribute); --ann, --img-prefix and --schema as given to the
audit. Open http://HOST:PORT/: one flagged label at a time beside its
full-size image (category, seller value, suggested value, score, reason);
A accept the suggestion, R reject it (the seller's value stays), C correct
(1-9 pick, Enter save), U undo, J/K next/previous, N next undecided, I this
image's labels, E export. Every decision is committed to the SQLite file
--db (default AUDIT_DIR/review.sqlite) before it is answered: a closed tab
or a killed server loses nothing, and a restart continues. Export (E on
the page, or --export here without serving) writes --export-dir (default
AUDIT_DIR/review_export): NAME.corrected.csv (the catalogue in its own
format with the accepted and corrected values) and decisions.csv (every
decision in order). Needs the serve extra: pip install -e .[serve].
"""
import argparse
import json
import os.path as osp

from mmfashion_attr.utils.cli import run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--audit', required=True,
                        help="tools/audit_catalog.py's output folder")
    parser.add_argument('--ann', required=True,
                        help='the catalogue the audit read')
    parser.add_argument('--schema', default=None,
                        help='schema.json (default: beside --ann)')
    parser.add_argument('--img-prefix', default='',
                        help="folder the catalogue's image names are "
                        'relative to (as for the audit)')
    parser.add_argument('--db', default=None,
                        help='decisions (default: AUDIT/review.sqlite)')
    parser.add_argument('--export-dir', default=None,
                        help='default: AUDIT/review_export')
    parser.add_argument('--export', action='store_true',
                        help='write the exports and exit (no server)')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8001)
    parser.add_argument('--log-level', default='info')
    return parser.parse_args()


def main():
    args = parse_args()
    from mmfashion_attr.review import DecisionStore, load_review_set
    from mmfashion_attr.review.export import export_review
    review = load_review_set(
        osp.join(args.audit, 'issues.csv'), args.ann,
        args.schema or osp.join(osp.dirname(args.ann), 'schema.json'),
        args.img_prefix, osp.join(args.audit, 'summary.json'))
    db = args.db or osp.join(args.audit, 'review.sqlite')
    store = DecisionStore(db, args.ann)
    export_dir = args.export_dir or osp.join(args.audit, 'review_export')
    if args.export:
        print(json.dumps(export_review(review, store, export_dir)))
        return
    from mmfashion_attr.review.app import create_review_app
    from mmfashion_attr.serving.server import run_service
    app = create_review_app(review, store, export_dir)
    print(f'reviewing {len(review.items)} flagged labels of {args.ann} on '
          f'http://{args.host}:{args.port}/ (decisions in {db})',
          flush=True)
    run_service(app, args.host, args.port, drain_seconds=2.0,
                log_level=args.log_level)


if __name__ == '__main__':
    run_main(main)
