"""The review's outputs: the catalogue with the decided cells replaced
(same format, columns, row order and untouched cells as the file the
audit read) and the decisions log (every change, in order).

A cell is rewritten only when the catalogue still holds the seller value
the decision was made on; otherwise the export stops naming file:line
(the catalogue changed since: the decision may no longer apply). Both
files are written beside each other through a temporary name and
renamed, so a failed export leaves no half-written file.
"""
import csv
import json
import os
import os.path as osp
from typing import Dict, List

from ..datasets.catalog.reader import (VALUE_SEPARATOR, CatalogReader,
                                       annotation_format, normalise_image,
                                       split_cell)
from ..errors import UserValueError
from .items import ReviewSet
from .store import DecisionStore

LOG_COLUMNS = ('seq', 'time', 'image', 'attribute', 'category', 'decision',
               'value', 'seller_value', 'suggested_value', 'score', 'kind',
               'rank')


def _changes(review: ReviewSet, store: DecisionStore
             ) -> Dict[str, Dict[str, dict]]:
    """image -> attribute -> decision, for the decisions that change a
    cell (accept, correct to another value)."""
    out: Dict[str, Dict[str, dict]] = {}
    for (image, attribute), d in store.all().items():
        if d['decision'] != 'reject' and d['value'] != d['seller']:
            out.setdefault(image, {})[attribute] = d
    return out


def _check_cell(where: str, image: str, attribute: str, got: List[str],
                decision: dict) -> None:
    if got != decision['seller']:
        raise UserValueError(
            f'{where}: {image!r} {attribute!r} is '
            f'{VALUE_SEPARATOR.join(got)!r}, but the decision '
            f'({decision["decision"]} at {decision["time"]}) was made on '
            f'{VALUE_SEPARATOR.join(decision["seller"])!r}: the catalogue '
            'changed since the review')


def _csv_rows(ann_file: str, changes, category_task: str, applied: set):
    with open(ann_file, encoding='utf-8-sig', newline='') as f:
        reader = csv.reader(f, strict=True)
        header = next(reader)
        yield header
        names = [h.strip() for h in header]
        column = {n: k for k, n in enumerate(names)}
        image_col = column['image']
        for row in reader:
            if not row or len(row) != len(names):
                yield row
                continue
            image = normalise_image(row[image_col].strip())
            for attribute, d in changes.get(image, {}).items():
                name = 'category' if attribute == category_task \
                    else attribute
                k = column[name]
                _check_cell(f'{ann_file}:{reader.line_num}', image,
                            attribute, split_cell(row[k]), d)
                row[k] = VALUE_SEPARATOR.join(d['value'])
                applied.add((image, attribute))
            yield row


def _jsonl_lines(ann_file: str, changes, category_task: str, applied: set):
    with open(ann_file, encoding='utf-8-sig') as f:
        for line, text in enumerate(f, 1):
            if not text.strip():
                yield text
                continue
            row = json.loads(text)
            image = normalise_image(row['image'].strip())
            mine = changes.get(image)
            if not mine:
                yield text
                continue
            attrs = row.setdefault('attributes', {})
            for attribute, d in mine.items():
                where = f'{ann_file}:{line}'
                if attribute == category_task:
                    _check_cell(where, image, attribute,
                                split_cell(row.get('category') or ''), d)
                    row['category'] = d['value'][0]
                else:
                    old = attrs.get(attribute)
                    got = split_cell(old) if isinstance(old, str) or \
                        old is None else [v.strip() for v in old
                                          if v.strip()]
                    _check_cell(where, image, attribute, got, d)
                    if not d['value']:
                        attrs[attribute] = None
                    elif isinstance(old, list):
                        attrs[attribute] = list(d['value'])
                    else:
                        attrs[attribute] = VALUE_SEPARATOR.join(d['value'])
                applied.add((image, attribute))
            yield json.dumps(row, ensure_ascii=False) + '\n'


def corrected_name(ann_file: str) -> str:
    """``train.csv`` -> ``train.corrected.csv``."""
    stem, ext = osp.splitext(osp.basename(ann_file))
    return f'{stem}.corrected{ext}'


def export_review(review: ReviewSet, store: DecisionStore,
                  out_dir: str) -> dict:
    """Write ``OUT_DIR/<name>.corrected.<ext>`` (the catalogue with the
    accepted and corrected values) and ``OUT_DIR/decisions.csv`` (the
    log); returns their paths and counts."""
    os.makedirs(out_dir, exist_ok=True)
    ann_file = review.ann_file
    fmt = annotation_format(ann_file)
    changes = _changes(review, store)
    applied: set = set()
    corrected = osp.join(out_dir, corrected_name(ann_file))
    log_file = osp.join(out_dir, 'decisions.csv')
    tmp = corrected + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        if fmt == 'csv':
            writer = csv.writer(f, lineterminator='\n')
            writer.writerows(_csv_rows(ann_file, changes,
                                       review.category_task, applied))
        else:
            f.writelines(_jsonl_lines(ann_file, changes,
                                      review.category_task, applied))
    wanted = {(i, a) for i, cells in changes.items() for a in cells}
    if applied != wanted:
        os.remove(tmp)
        lost = sorted(wanted - applied)
        raise UserValueError(f'{ann_file}: {len(lost)} decided cell(s) not '
                             f'found in the catalogue, e.g. {lost[:3]}')
    # read back by the training reader: the export parses as the input did
    for _ in CatalogReader(corrected, tmp):
        pass
    log = store.log()
    with open(log_file + '.tmp', 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(LOG_COLUMNS)
        for entry in log:
            item = review.by_key.get((entry['image'], entry['attribute']))
            writer.writerow([
                entry['seq'], entry['time'], entry['image'],
                entry['attribute'], item.category if item else '',
                entry['decision'], VALUE_SEPARATOR.join(entry['value']),
                VALUE_SEPARATOR.join(entry['seller']),
                VALUE_SEPARATOR.join(entry['suggested']),
                f'{item.score:.4f}' if item else '',
                item.kind if item else '', item.rank if item else ''])
    os.replace(tmp, corrected)
    os.replace(log_file + '.tmp', log_file)
    decided = store.all()
    counts: Dict[str, int] = {}
    for d in decided.values():
        counts[d['decision']] = counts.get(d['decision'], 0) + 1
    return dict(corrected=corrected, decisions_log=log_file,
                cells_changed=len(applied), log_entries=len(log),
                decided=len(decided), items=len(review.items), **counts)

