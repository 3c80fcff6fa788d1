"""Give the records of results files written before records carried a
content hash their hash (``mmfashion_attr.utils.run_records.seal``).

    python tools/misc/seal_records.py FILE.jsonl [FILE.jsonl ...]
        [--withdraw REASON]

Records that have one are checked, not changed; the report tools seal what
they write themselves. --withdraw REASON marks every record of the files
``withdrawn`` (the model index leaves them out) and seals them again.
"""
import argparse
import json

from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import run_main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('files', nargs='+')
    parser.add_argument('--withdraw', metavar='REASON',
                        help='mark the records withdrawn, saying why')
    args = parser.parse_args()
    for path in args.files:
        records = run_records.load(path)  # a mismatched hash stops here
        if args.withdraw:
            records = [{k: v for k, v in r.items() if k != run_records.HASH}
                       | dict(withdrawn=args.withdraw) for r in records]
        sealed = [run_records.seal(r) for r in records]
        with open(path, 'w', encoding='utf-8') as f:
            f.writelines(json.dumps(r) + '\n' for r in sealed)
        added = sum(run_records.HASH not in r for r in records)
        print(f'{path}: {len(records)} records, {added} sealed now')


if __name__ == '__main__':
    run_main(main)
