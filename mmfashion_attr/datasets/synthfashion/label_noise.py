"""Known label errors in SynthFashion's training split: a stated fraction
of each attribute's seller labels flipped to another value the category
allows, the truth written beside them, so a label audit can be measured.

Own code: a flip must respect the schema's per-category values, which
generic noise injectors (e.g. cleanlab's benchmarking noise matrices) do
not know about.

Files in the dataset folder (written by :func:`apply_label_noise`)::

    train.csv          the noisy labels (what a model trains on)
    train_clean.csv    the generator's labels
    train_noise.jsonl  one line per flip: image, attribute, true_value,
                       noisy_value (several values joined by '|')
    label_noise.json   fraction, seed, labelled and flipped cells per
                       attribute (written last: marks a finished flip)
"""
import csv
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

from ..catalog.rows import VALUE_SEPARATOR, split_cell
from ..schema import AttributeSchema

CLEAN, TRUTH, INFO = 'train_clean.csv', 'train_noise.jsonl', \
    'label_noise.json'


def _alternatives(values: List[str], allowed: List[str],
                  multi_label: bool) -> List[Tuple[int, str]]:
    """(position in ``values``, replacement) pairs giving another allowed
    labelling; a multi-label cell keeps its other values."""
    if not multi_label:
        return [(0, v) for v in allowed if v != values[0]]
    return [(k, v) for k in range(len(values)) for v in allowed
            if v not in values]


def flip_labels(rows: List[dict], schema: AttributeSchema, fraction: float,
                seed: int) -> List[dict]:
    """Flip ``round(fraction * labelled cells)`` cells of every attribute
    (the category task is left alone: flipping it would turn the other
    attributes' values into schema errors) in ``rows`` (CSV dicts, edited
    in place) to another allowed labelling: a single-label value to another
    value of the category, one value of a multi-label cell to an allowed
    value not already in it. Returns the flips (image, attribute,
    true_value, noisy_value). Raises ``ValueError`` if an attribute has
    too few cells that can be flipped.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f'label noise fraction {fraction}: expected [0, 1)')
    rng = np.random.default_rng(seed)
    allowed = {c: schema.allowed_values(c) for c in schema.categories}
    flips = []
    for attr in schema.attributes:
        name, order = attr['name'], attr['values']
        cells = []  # (row, values, alternatives)
        for row in rows:
            values = split_cell(row.get(name) or '')
            if not values:
                continue
            ok = [v for v in order
                  if v in allowed.get(row['category'], {}).get(name, ())]
            cells.append((row, values,
                          _alternatives(values, ok, attr['multi_label'])))
        wanted = int(round(fraction * len(cells)))
        eligible = [c for c in cells if c[2]]
        if wanted > len(eligible):
            raise ValueError(
                f'{name!r}: {wanted} flips wanted ({fraction} of '
                f'{len(cells)} labels) but only {len(eligible)} labels '
                'have another allowed value')
        for k in sorted(rng.choice(len(eligible), wanted, replace=False)):
            row, values, alternatives = eligible[k]
            pos, new = alternatives[rng.integers(len(alternatives))]
            noisy = list(values)
            noisy[pos] = new
            row[name] = VALUE_SEPARATOR.join(noisy)
            flips.append(dict(image=row['image'], attribute=name,
                              true_value=VALUE_SEPARATOR.join(values),
                              noisy_value=row[name]))
    return flips


def noise_info(fraction: float, seed: int) -> dict:
    return dict(fraction=fraction, seed=seed)


def noise_is_current(out: str, fraction: float, seed: int) -> bool:
    """Whether ``out``'s training labels carry this noise (none: no
    ``label_noise.json``)."""
    path = osp.join(out, INFO)
    if not osp.exists(path):
        return not fraction and not osp.exists(osp.join(out, CLEAN))
    with open(path) as f:
        info = json.load(f)
    return bool(fraction) and all(info.get(k) == v for k, v in
                                  noise_info(fraction, seed).items())


def apply_label_noise(out: str, fraction: float, seed: int) -> dict:
    """Flip ``out/train.csv``'s labels, just written by the generator
    (kept as ``train_clean.csv``), and write the truth; ``fraction`` 0
    removes the files of an earlier flip. Returns the info written to
    ``label_noise.json``."""
    train, clean = osp.join(out, 'train.csv'), osp.join(out, CLEAN)
    for name in (INFO, TRUTH, CLEAN):  # an earlier generation's
        if osp.exists(osp.join(out, name)):
            os.remove(osp.join(out, name))
    if not fraction:
        return {}
    os.replace(train, clean)
    schema = AttributeSchema.from_file(osp.join(out, 'schema.json'))
    with open(clean, encoding='utf-8', newline='') as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    flips = flip_labels(rows, schema, fraction, seed)
    with open(train, 'w', encoding='utf-8', newline='') as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    with open(osp.join(out, TRUTH), 'w', encoding='utf-8') as f:
        f.writelines(json.dumps(flip) + '\n' for flip in flips)
    labelled: Dict[str, int] = {a['name']: sum(bool(split_cell(
        r.get(a['name']) or '')) for r in rows) for a in schema.attributes}
    flipped: Dict[str, int] = {}
    for flip in flips:
        flipped[flip['attribute']] = flipped.get(flip['attribute'], 0) + 1
    info = dict(noise_info(fraction, seed), labelled=labelled,
                flipped=flipped, total_flipped=len(flips))
    with open(osp.join(out, INFO), 'w') as f:
        json.dump(info, f, indent=1)
    return info


def restore_clean_labels(out: str) -> None:
    """Put ``out``'s generated labels (``train_clean.csv``) back in
    ``train.csv`` and remove an earlier flip's files, so that
    :func:`apply_label_noise` can flip again with another seed without
    generating the images again."""
    if osp.exists(osp.join(out, CLEAN)):
        os.replace(osp.join(out, CLEAN), osp.join(out, 'train.csv'))
    for name in (INFO, TRUTH):
        if osp.exists(osp.join(out, name)):
            os.remove(osp.join(out, name))


def read_noise_truth(path: str) -> List[dict]:
    """The flips of a ``train_noise.jsonl``; a bad line names file:line."""
    flips = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                flip = json.loads(line)
                flips.append({k: flip[k] for k in (
                    'image', 'attribute', 'true_value', 'noisy_value')})
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise ValueError(f'{path}:{number}: not a label flip '
                                 f'({e})') from e
    return flips
