"""SynthFashion in DeepFashion-C's layout, so the M2Fashion configs train on
the embedded data: categories with upper / lower / full-body types, every
attribute value as one attribute with a type (1 texture ... 5 style) and a
state per image (1 / -1 / 0).

States: a labelled attribute's values are 1 (given) or -1 (not given); the
values of an attribute that applies to the category but is not labelled are
0 (unknown, as SynthFashion's missing labels); values that cannot apply to
the category (rips on a t-shirt) are -1.
"""
import os
import os.path as osp
from typing import List, Sequence

import numpy as np

from ..deepfashion_c.lists import write_lists
from ..schema import AttributeSchema
from .vocabulary import schema_dict

CATEGORY_TYPES = {'t-shirt': 1, 'shirt': 1, 'jeans': 2, 'trousers': 2,
                  'skirt': 2, 'dress': 3}
# DeepFashion's five types for SynthFashion's attributes; colour has no
# DeepFashion type and stands in for style, so that all five occur
ATTRIBUTE_TYPES = {'color': 5, 'pattern': 1, 'distressed': 2, 'length': 3,
                   'sleeve_length': 3, 'neck_type': 4, 'sleeve_style': 4,
                   'closure': 4}


def attribute_list(schema: AttributeSchema) -> List[tuple]:
    """``(name, type)`` per attribute value; names contain spaces."""
    return [(f'{a["name"]} {v}'.replace('_', ' '),
             ATTRIBUTE_TYPES[a['name']])
            for a in schema.attributes for v in a['values']]


def states_of(schema: AttributeSchema, labelled: dict) -> np.ndarray:
    """1 / -1 / 0 per attribute value of one image's labels."""
    allowed = schema.allowed_values(labelled['category'])
    states = []
    for a in schema.attributes:
        given = labelled.get(a['name'])
        given = set(given if isinstance(given, list) else
                    [] if given is None else [given])
        for v in a['values']:
            if v not in allowed.get(a['name'], ()):
                states.append(-1)
            elif a['name'] not in labelled:
                states.append(0)
            else:
                states.append(1 if v in given else -1)
    return np.asarray(states, np.int8)


def write_deepfashion_c(out: str, samples: Sequence[tuple]) -> None:
    """Write ``Anno/``, ``Eval/`` and ``Img/img`` (a link to ``images/``)
    for ``(split, image, labelled, garment box)`` samples."""
    spec = schema_dict()
    schema = AttributeSchema(spec['attributes'], spec['categories'])
    cats = schema.categories
    images = [dict(name=f'img/{image}', category=cats.index(lab['category']),
                   states=states_of(schema, lab), bbox=list(box),
                   split=split)
              for split, image, lab, box in samples]
    write_lists(out, [(c, CATEGORY_TYPES[c]) for c in cats],
                attribute_list(schema), images)
    link = osp.join(out, 'Img', 'img')
    os.makedirs(osp.dirname(link), exist_ok=True)
    if not osp.islink(link):
        os.symlink(osp.join('..', 'images'), link)
