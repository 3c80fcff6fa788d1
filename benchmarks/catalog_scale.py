"""Parse time and memory of CatalogAttrDataset on a 1M-row catalogue.

    python benchmarks/catalog_scale.py [--rows 1000000] [--data DIR]
        [--workers 8] [--skip-images]

Writes (once, reused from DIR) a catalogue with a realistic schema (12
categories, 10 attributes, 200 values, multi-label and single-label, 10-60 %
missing cells) as CSV and JSON Lines, plus one empty file per image in 1000
folders. Each measurement runs in a fresh process and prints ours beside a
reference measured in the same run:

- parse: seconds to build the dataset (check_images on and off) beside one
  bare ``csv.reader`` pass over the same file;
- memory: peak RSS over the interpreter with mmpretrain imported, beside
  the same rows held as mmengine's per-sample ``data_list`` dicts;
- workers: private memory of 8 forked DataLoader workers after each read
  its share of 20k samples, beside the dataset's table size.

Targets (2-core machine): parse <= 30 s, peak RSS <= 1 GiB.
"""
import argparse
import csv
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
NUM_FOLDERS = 1000


def schema():
    rng = np.random.default_rng(0)
    categories = [f'category_{i}' for i in range(12)]
    sizes = [20, 30, 12, 8, 16, 24, 40, 10, 25, 3]  # 188 + 12 = 200 values
    attributes = []
    for k, n in enumerate(sizes):
        applies = sorted(rng.choice(categories, size=rng.integers(6, 13),
                                    replace=False).tolist())
        attributes.append(dict(name=f'attribute_{k}',
                               values=[f'value {k}.{v}' for v in range(n)],
                               multi_label=bool(k % 3 == 0),
                               categories=applies))
    return dict(categories=categories, attributes=attributes)


def write_catalogue(data, rows):
    spec = schema()
    os.makedirs(data, exist_ok=True)
    with open(osp.join(data, 'schema.json'), 'w') as f:
        json.dump(spec, f)
    rng = np.random.default_rng(1)
    cats = rng.integers(0, len(spec['categories']), rows)
    missing = np.linspace(0.1, 0.6, len(spec['attributes']))
    names = [a['name'] for a in spec['attributes']]
    with open(osp.join(data, 'ann.csv'), 'w', newline='') as fc, \
            open(osp.join(data, 'ann.jsonl'), 'w') as fj:
        writer = csv.writer(fc)
        writer.writerow(['image', 'category'] + names)
        draws = rng.random((rows, len(names)))
        picks = rng.integers(0, 1000, (rows, len(names), 2))
        for i in range(rows):
            cat = spec['categories'][cats[i]]
            image = f'{i % NUM_FOLDERS:04d}/{i:07d}.jpg'
            cells = {}
            for k, a in enumerate(spec['attributes']):
                if cat not in a['categories'] or draws[i, k] < missing[k]:
                    continue
                vals = a['values']
                chosen = [vals[picks[i, k, 0] % len(vals)]]
                if a['multi_label'] and picks[i, k, 1] % 4 == 0:
                    chosen.append(vals[picks[i, k, 1] % len(vals)])
                cells[a['name']] = sorted(set(chosen))
            writer.writerow([image, cat] + ['|'.join(cells.get(n, []))
                                            for n in names])
            fj.write(json.dumps(dict(image=image, category=cat,
                                     attributes=cells)) + '\n')


def write_images(data, rows):
    for k in range(NUM_FOLDERS):
        os.makedirs(osp.join(data, 'images', f'{k:04d}'), exist_ok=True)
    for i in range(rows):
        open(osp.join(data, 'images', f'{i % NUM_FOLDERS:04d}',
                      f'{i:07d}.jpg'), 'wb').close()


CHILD = r'''
import json, resource, sys, time
import mmfashion_attr  # noqa
from mmfashion_attr.datasets import CatalogAttrDataset

def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024

args = json.loads(sys.argv[1])
base = rss_mb()
out = dict(base_rss_mb=base)
if args['mode'] == 'bare':
    import csv
    t = time.perf_counter()
    with open(args['ann'], newline='', encoding='utf-8') as f:
        n = sum(1 for _ in csv.reader(f))
    out['seconds'] = time.perf_counter() - t
else:
    t = time.perf_counter()
    ds = CatalogAttrDataset(ann_file=args['ann'], schema_file='schema.json',
                            data_root=args['data'], data_prefix='images',
                            check_images=args['check'])
    out['seconds'] = time.perf_counter() - t
    out['rows'] = len(ds)
    out['table_mb'] = ds.table.nbytes() / 2**20
    if args['mode'] == 'data_list':  # mmengine's per-sample dicts
        before = rss_mb()
        data_list = [ds.get_data_info(i) for i in range(len(ds))]
        out['data_list_mb'] = rss_mb() - before
    if args['mode'] == 'workers':
        import os, torch
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, batch_size=64, num_workers=args['workers'],
                            collate_fn=lambda b: len(b),
                            sampler=range(0, len(ds),
                                          max(1, len(ds) // 20000)))
        it = iter(loader)
        n = sum(next(it) for _ in range(len(loader)))
        private = []
        for w in it._workers:
            with open(f'/proc/{w.pid}/smaps_rollup') as f:
                fields = dict(l.split(':', 1) for l in f if ':' in l)
            private.append(sum(int(fields[k].split()[0]) for k in (
                'Private_Clean', 'Private_Dirty')) / 1024)
        out['worker_private_mb'] = private
        out['samples_read'] = n
out['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('RESULT ' + json.dumps(out))
'''


def measure(**args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, '-c', CHILD, json.dumps(args)],
                          capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT')]
    if proc.returncode or not lines:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-3000:])
    return json.loads(lines[-1][7:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=1_000_000)
    parser.add_argument('--data', default=osp.join(tempfile.gettempdir(),
                                                   'mmfa_catalog_scale'))
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--skip-images', action='store_true',
                        help='no image files: check_images=False only')
    args = parser.parse_args()
    data = f'{args.data}_{args.rows}'
    stamp = osp.join(data, 'done.json')
    if not osp.exists(stamp):
        t = time.perf_counter()
        write_catalogue(data, args.rows)
        print(f'wrote {args.rows} rows in {time.perf_counter() - t:.0f}s')
    if not args.skip_images and not osp.exists(osp.join(data, 'images.done')):
        t = time.perf_counter()
        write_images(data, args.rows)
        open(osp.join(data, 'images.done'), 'w').close()
        print(f'wrote {args.rows} empty image files in '
              f'{time.perf_counter() - t:.0f}s')
    open(stamp, 'w').close()
    sizes = {ext: osp.getsize(osp.join(data, f'ann.{ext}')) / 2**20
             for ext in ('csv', 'jsonl')}
    print(f'\n{args.rows} rows; ann.csv {sizes["csv"]:.0f} MiB, ann.jsonl '
          f'{sizes["jsonl"]:.0f} MiB; python {sys.version.split()[0]}, '
          f'{os.cpu_count()} cores')
    bare = measure(mode='bare', ann=osp.join(data, 'ann.csv'))
    print(f'reference: one bare csv.reader pass: {bare["seconds"]:.1f} s')
    print(f'\n{"file":<10} {"check_images":>12} {"parse s":>8} '
          f'{"x bare csv":>10} {"peak RSS MiB":>12} {"after import":>12} '
          f'{"table MiB":>9}')
    checks = [False] if args.skip_images else [False, True]
    for ext in ('csv', 'jsonl'):
        for check in checks:
            r = measure(mode='parse', ann=f'ann.{ext}', data=data,
                        check=check)
            print(f'{"ann." + ext:<10} {str(check):>12} {r["seconds"]:>8.1f} '
                  f'{r["seconds"] / bare["seconds"]:>10.1f} '
                  f'{r["peak_rss_mb"]:>12.0f} {r["base_rss_mb"]:>12.0f} '
                  f'{r["table_mb"]:>9.1f}')
    ref = measure(mode='data_list', ann='ann.csv', data=data, check=False)
    print(f'\nreference: the same rows as per-sample dicts (mmengine '
          f'data_list): +{ref["data_list_mb"]:.0f} MiB beside our table\'s '
          f'{ref["table_mb"]:.1f} MiB')
    w = measure(mode='workers', ann='ann.csv', data=data, check=False,
                workers=args.workers)
    print(f'{args.workers} DataLoader workers (fork) after reading '
          f'{w["samples_read"]} samples: private memory per worker '
          f'{", ".join(f"{m:.0f}" for m in w["worker_private_mb"])} MiB '
          f'(sum {sum(w["worker_private_mb"]):.0f} MiB; the table is '
          f'{w["table_mb"]:.1f} MiB, shared, not copied)')


if __name__ == '__main__':
    main()
