"""Category ids, class order and the categories judged on attributes: one
place for the dataset, the metric and the detection demo.

Own code: mmdet maps class names to ids with ``COCO.getCatIds(catNms=...)``,
which returns them in the file's order, not the classes' order, and drops
unknown names without a word.
"""
from typing import Dict, Sequence, Tuple, Union

from ...errors import UserValueError

# Fashionpedia's categories with attributes: the ids its official evaluator
# (KMnP/fashionpedia-api, fp_eval.py, FPParams.catsWithAttributes) judges on
# attributes too, with their names in the 2020 release's 46-category list.
FASHIONPEDIA_ATTR_CATEGORIES: Dict[int, str] = {
    0: 'shirt, blouse', 1: 'top, t-shirt, sweatshirt', 2: 'sweater',
    3: 'cardigan', 4: 'jacket', 5: 'vest', 6: 'pants', 7: 'shorts',
    8: 'skirt', 9: 'coat', 10: 'dress', 11: 'jumpsuit', 12: 'cape',
    28: 'collar', 29: 'lapel', 31: 'sleeve', 32: 'pocket', 33: 'neckline'}

AttrCategories = Union[str, Sequence[Union[str, int]]]


def class_category_ids(classes: Sequence[str], categories: Sequence[dict],
                       source: str = '') -> Tuple[int, ...]:
    """The id of each class, in the classes' order, matched by name.

    Args:
        classes (Sequence[str]): Class names (label ``i`` is
            ``classes[i]``).
        categories (Sequence[dict]): ``{id, name}`` per category (a COCO
            file's ``categories``).
        source (str): Named in errors (the annotation file).
    """
    by_name: Dict[str, int] = {}
    for cat in categories:
        if cat['name'] in by_name:
            raise UserValueError(
                f'{source}: category name {cat["name"]!r} has '
                f'ids {by_name[cat["name"]]} and {cat["id"]}')
        by_name[cat['name']] = int(cat['id'])
    unknown = [c for c in classes if c not in by_name]
    if unknown:
        raise UserValueError(f'{source}: classes {unknown} are not among the '
                             f'categories {sorted(by_name)}')
    return tuple(by_name[c] for c in classes)


def resolve_attr_categories(spec: AttrCategories, classes: Sequence[str],
                            category_ids: Sequence[int],
                            source: str = '') -> Tuple[int, ...]:
    """Ids of the categories judged on attributes, in class order.

    Args:
        spec: ``'fashionpedia'`` (its official evaluator's 18 categories,
            checked by id and name; those outside ``classes`` are left
            out), ``'all'``, or category names (str) and ids (int), each
            of which must be one of the classes.
        classes (Sequence[str]): The classes (``metainfo['classes']``).
        category_ids (Sequence[int]): Their ids, in the same order.
        source (str): Named in errors.
    """
    if len(classes) != len(category_ids):
        raise UserValueError(f'{source}: {len(classes)} classes but '
                             f'{len(category_ids)} category ids')
    ids = [int(i) for i in category_ids]
    if spec == 'all':
        return tuple(ids)
    if spec == 'fashionpedia':
        for name, cat_id in zip(classes, ids):
            expected = FASHIONPEDIA_ATTR_CATEGORIES.get(cat_id)
            if expected is not None and expected != name:
                raise UserValueError(
                    f"{source}: attr_categories='fashionpedia' needs "
                    f"Fashionpedia's categories, but id {cat_id} is "
                    f'{name!r}, not {expected!r}; give names or ids, or '
                    "'all'")
        keep = [i for i in ids if i in FASHIONPEDIA_ATTR_CATEGORIES]
        if not keep:
            raise UserValueError(
                f"{source}: attr_categories='fashionpedia' but none of "
                "Fashionpedia's attribute categories is among the classes; "
                "give names or ids, or 'all'")
        return tuple(keep)
    if isinstance(spec, str):
        raise UserValueError(f"{source}: attr_categories {spec!r}: expected "
                             "'fashionpedia', 'all' or a list of names / ids")
    by_name = dict(zip(classes, ids))
    chosen = set()
    for item in spec:
        if isinstance(item, str):
            if item not in by_name:
                raise UserValueError(f'{source}: attr_categories names '
                                     f'{item!r}, not one of the classes')
            chosen.add(by_name[item])
        elif int(item) in ids:
            chosen.add(int(item))
        else:
            raise UserValueError(f'{source}: attr_categories has id {item}, '
                                 f'not one of the classes\' ids {ids}')
    return tuple(i for i in ids if i in chosen)
