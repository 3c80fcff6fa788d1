"""SynthFashion's garments as instances in Fashionpedia's COCO-style JSON
(``instances_{split}.json``): per garment, the main one and the partly
visible second one, its visible mask as RLE, category and
``attribute_ids``.

Attributes are one id per (attribute, value) pair, named like
DeepFashion-C's (``"neck type v neck"``), and complete: the main garment
has every value it was drawn with, whether or not the catalogue CSV
labels it; the second garment (drawn plain) has its colour, ``pattern
solid`` and its length. Categories are SynthFashion's.

Category and attribute ids have gaps and are not the indices a model uses
(nor in the file's order), as in Fashionpedia's attribute ids, so that
every id-to-index mapping downstream is exercised.
"""
import json
import os.path as osp
from typing import List, Sequence

import numpy as np

from .vocabulary import ATTRIBUTES, CATEGORY_FREQ

# ids in the JSON: file order (CATEGORY_FREQ's) is not id order
CATEGORY_IDS = dict(zip(CATEGORY_FREQ, (12, 3, 27, 8, 19, 31)))
assert len(CATEGORY_IDS) == len(CATEGORY_FREQ)


def attribute_id(index: int) -> int:
    """The JSON id of the ``index``-th (attribute, value) pair: gaps of 7,
    decreasing."""
    return 500 - 7 * index


def attribute_vocabulary() -> List[tuple]:
    """``(pair name, attribute)`` of every (attribute, value) pair; its id
    is ``attribute_id(index)``."""
    return [(f'{name} {value}'.replace('_', ' '), name)
            for name, values, *_ in ATTRIBUTES for value in values]


def attribute_ids(truth: dict) -> List[int]:
    """Ids of the values in ``truth`` (single or list-valued attributes)."""
    vocab = {n: attribute_id(i)
             for i, (n, _) in enumerate(attribute_vocabulary())}
    ids = []
    for name, *_ in ATTRIBUTES:
        values = truth.get(name)
        for v in values if isinstance(values, list) else \
                [] if values is None else [values]:
            ids.append(vocab[f'{name} {v}'.replace('_', ' ')])
    return sorted(ids)


def encode_garments(garments: Sequence[tuple]) -> List[dict]:
    """``[(truth, mask)]`` -> JSON-ready dicts (empty masks left out)."""
    from pycocotools import mask as mask_utils
    out = []
    for truth, mask in garments:
        if not mask.any():
            continue
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        out.append(dict(category=truth['category'],
                        attribute_ids=attribute_ids(truth),
                        rle=dict(counts=rle['counts'].decode('ascii'),
                                 size=[int(v) for v in rle['size']]),
                        bbox=[float(v) for v in mask_utils.toBbox(rle)],
                        area=int(mask_utils.area(rle))))
    return out


def write_instances(out: str, split: str, rows: Sequence[tuple],
                    size: int) -> str:
    """Write ``instances_{split}.json`` for ``(image, garments)`` rows."""
    images, annotations = [], []
    for image_id, (name, garments) in enumerate(rows, start=1):
        images.append(dict(id=image_id, file_name=name, height=size,
                           width=size))
        for g in garments:
            annotations.append(dict(
                id=len(annotations) + 1, image_id=image_id,
                category_id=CATEGORY_IDS[g['category']],
                attribute_ids=g['attribute_ids'], segmentation=g['rle'],
                bbox=g['bbox'], area=g['area'], iscrowd=0))
    path = osp.join(out, f'instances_{split}.json')
    vocab = attribute_vocabulary()
    with open(path, 'w') as f:
        json.dump(dict(
            info=dict(description=f'SynthFashion {split} garments'),
            images=images, annotations=annotations,
            categories=[dict(id=i, name=c, supercategory='garment')
                        for c, i in CATEGORY_IDS.items()],
            attributes=[dict(id=attribute_id(i), name=n, supercategory=a)
                        for i, (n, a) in enumerate(vocab)]), f)
    return path
