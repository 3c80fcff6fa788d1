"""A miniature label review: six SynthFashion images, their catalogue
(one name given as ``./``, one label the schema rejects) and an audit
folder whose ``issues.csv`` is written by the audit's own writer, with
flagged labels picked from the catalogue: single-label attributes, a
multi-label colour, a category and the schema finding. No model is
trained."""
import csv
import json
import os
import os.path as osp
from typing import Dict, List

from mmfashion_attr.analysis.label_audit import write_issues_csv
from mmfashion_attr.datasets.schema import AttributeSchema


def _other(values: List[str], seller: List[str]) -> List[str]:
    """The first value not the seller's (a suggestion that differs)."""
    return [next(v for v in values if v not in seller)]


def make_review_fixture(root: str, size: int = 96) -> Dict:
    """Write ``root/synth`` (images, ``catalogue.csv``, ``schema.json``)
    and ``root/audit`` (``issues.csv``, ``summary.json``); returns the
    paths and the flagged ``items`` (dicts in ``issues.csv``'s order:
    image, attribute, category, seller, suggested, kind)."""
    from mmfashion_attr.datasets.synthfashion import generate
    synth = osp.join(root, 'synth')
    generate(synth, num_train=6, num_val=0, size=size, seed=0, num_test=0)
    schema_file = osp.join(synth, 'schema.json')
    schema = AttributeSchema.from_file(schema_file)
    with open(osp.join(synth, 'train.csv'), newline='') as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    # a label the schema rejects: distressed is for jeans only
    odd = next(r for r in rows if r['category'] != 'jeans')
    odd['distressed'] = 'rips'
    ann = osp.join(synth, 'catalogue.csv')
    with open(ann, 'w', newline='') as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        for k, row in enumerate(rows):  # one './' name: normalised
            writer.writerow(dict(row, image='./' + row['image'])
                            if k == 1 else row)
    items = []
    single = [t['name'] for t in schema.tasks
              if not t['multi_label'] and t['name'] != 'category']
    for k, row in enumerate(rows[:4]):  # single-label labels of 4 rows
        have = [a for a in single if row[a] and a != 'distressed']
        attribute = have[k % len(have)]
        allowed = schema.allowed_values(row['category'])[attribute]
        values = [v for v in schema.tasks[[t['name'] for t in schema.tasks]
                                          .index(attribute)]['classes']
                  if v in allowed]
        items.append(dict(image=row['image'], attribute=attribute,
                          category=row['category'], seller=[row[attribute]],
                          suggested=_other(values, [row[attribute]]),
                          kind='label'))
    colour = next(r for r in rows if '|' in r['color'])
    items.append(dict(image=colour['image'], attribute='color',
                      category=colour['category'],
                      seller=colour['color'].split('|'),
                      suggested=colour['color'].split('|')[:1],
                      kind='label'))
    last = rows[5]
    items.append(dict(image=last['image'], attribute='category',
                      category=last['category'], seller=[last['category']],
                      suggested=_other(schema.categories,
                                       [last['category']]), kind='label'))
    items.append(dict(image=odd['image'], attribute='distressed',
                      category=odd['category'], seller=['rips'],
                      suggested=[], kind='schema'))
    audit = osp.join(root, 'audit')
    os.makedirs(audit, exist_ok=True)
    records = []
    for rank, item in enumerate(sorted(items, key=lambda i: i['kind'] !=
                                       'schema'), 1):
        schema_row = item['kind'] == 'schema'
        records.append(dict(
            rank=rank, image=item['image'], attribute=item['attribute'],
            values=item['seller'], suggested=item['suggested'],
            score=1.0 if schema_row else round(0.95 - 0.05 * rank, 4),
            kind=item['kind'], flagged=True,
            reason=f"attribute 'distressed' does not apply to category "
            f"{item['category']!r}" if schema_row else None))
    write_issues_csv(osp.join(audit, 'issues.csv'), records)
    summary = {t['name']: dict(flagged=sum(i['attribute'] == t['name']
                                           for i in items), checked=6,
                               fold_model=dict(accuracy=0.9,
                                               majority_accuracy=0.5),
                               warning=None)
               for t in schema.tasks}
    summary['color']['warning'] = 'color: the fold model is not clearly ' \
        'better than the majority baseline (made up by the fixture)'
    with open(osp.join(audit, 'summary.json'), 'w') as f:
        json.dump(summary, f)
    order = [(r['image'], r['attribute']) for r in records]
    items.sort(key=lambda i: order.index((i['image'], i['attribute'])))
    return dict(root=root, ann=ann, schema=schema_file,
                img_prefix=osp.join(synth, 'images'), audit=audit,
                items=items)


def load_review(files: Dict):
    """The fixture's :class:`ReviewSet`."""
    from mmfashion_attr.review import load_review_set
    return load_review_set(osp.join(files['audit'], 'issues.csv'),
                           files['ann'], files['schema'],
                           files['img_prefix'],
                           osp.join(files['audit'], 'summary.json'))
