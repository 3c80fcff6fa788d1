"""Attribute schema of the catalogue format (see docs/datasets.md).

A schema lists the product categories and the attributes, each with its
allowed values, whether several values may hold at once, and which
categories the attribute (or one of its values) applies to (Parekh & Shaik
2023, section 2, point 3: closure values differ between jeans and pyjamas).
The product category is itself a single-label task, placed first.
"""
import json
from typing import Dict, List, Optional

import numpy as np

from ..errors import UserInputError


def task_slices(tasks: List[dict]) -> List[slice]:
    """Column slice of each task in the flat (concatenated) value vector."""
    slices, start = [], 0
    for task in tasks:
        n = len(task['classes']) if 'classes' in task else task['num_classes']
        slices.append(slice(start, start + n))
        start += n
    return slices


# Optional per-attribute groups (Parekh & Shaik 2023, Table 2): the region of
# the garment an attribute covers, and how fine its values are.
GROUPS = dict(roi=('small', 'large'), granularity=('coarse', 'fine'))


class SchemaError(UserInputError, ValueError):
    """A malformed schema file."""


class AttributeSchema:
    """Tasks, their classes and per-category allowed values.

    Args:
        attributes (list[dict]): ``name``, ``values`` and optionally
            ``multi_label`` (default True), ``categories`` (the categories
            the attribute applies to; default all) and ``value_categories``
            (value -> categories it applies to), ``roi`` (``'small'`` /
            ``'large'``) and ``granularity`` (``'coarse'`` / ``'fine'``).
        categories (list[str], optional): Product categories.
        category_task (str): Name of the category task.
        category_groups (dict, optional): ``roi`` / ``granularity`` of the
            category task.
        source (str): Where the schema came from, for error messages.
    """

    def __init__(self, attributes: List[dict],
                 categories: Optional[List[str]] = None,
                 category_task: str = 'category', source: str = '<dict>',
                 category_groups: Optional[dict] = None):
        self.source = source
        self.category_groups = self._check_groups(category_groups or {},
                                                  category_task)
        self.categories = list(categories or [])
        self.category_task = category_task if self.categories else None
        self._check_unique(self.categories, 'categories')
        self._check_names(self.categories, 'category')
        self.attributes = [self._check_attribute(a) for a in attributes]
        self._check_unique([a['name'] for a in self.attributes],
                           'attribute names')
        if self.category_task in {a['name'] for a in self.attributes}:
            raise SchemaError(f'{source}: attribute name {category_task!r} '
                              'clashes with the category task')

    @classmethod
    def from_file(cls, path: str) -> 'AttributeSchema':
        try:
            with open(path, encoding='utf-8-sig') as f:
                spec = json.load(f)
        except json.JSONDecodeError as e:
            raise SchemaError(f'{path}: not valid JSON ({e})') from e
        if not isinstance(spec, dict) or 'attributes' not in spec:
            raise SchemaError(f'{path}: expected an object with "attributes"')
        return cls(spec['attributes'], spec.get('categories'),
                   spec.get('category_task', 'category'), source=path,
                   category_groups=spec.get('category_groups'))

    def to_dict(self) -> dict:
        spec = dict(category_task=self.category_task or 'category',
                    categories=self.categories, attributes=self.attributes)
        if self.category_groups:
            spec['category_groups'] = self.category_groups
        return spec

    def _check_groups(self, spec: dict, name: str) -> dict:
        """The ``roi`` / ``granularity`` entries of ``spec``, checked."""
        groups = {}
        for key, allowed in GROUPS.items():
            if key in spec:
                if spec[key] not in allowed:
                    raise SchemaError(f'{self.source}: {name!r} has {key} '
                                      f'{spec[key]!r}; expected one of '
                                      f'{list(allowed)}')
                groups[key] = spec[key]
        return groups

    def task_groups(self) -> Dict[str, dict]:
        """Task name -> its ``roi`` / ``granularity`` (those given)."""
        groups = {}
        if self.category_task:
            groups[self.category_task] = dict(self.category_groups)
        for a in self.attributes:
            groups[a['name']] = {k: a[k] for k in GROUPS if k in a}
        return groups

    def _check_unique(self, names, what):
        seen = set()
        for name in names:
            if name in seen:
                raise SchemaError(f'{self.source}: duplicate {what}: {name!r}')
            seen.add(name)

    def _check_names(self, names, what):
        """Names must survive a CSV cell round trip: non-empty strings, no
        ``|`` (the value separator), no surrounding whitespace (stripped)."""
        for name in names:
            if not isinstance(name, str) or not name or name != name.strip() \
                    or '|' in name:
                raise SchemaError(
                    f'{self.source}: {what} {name!r} must be a non-empty '
                    "string without '|' or surrounding whitespace")

    def _check_attribute(self, attr: dict) -> dict:
        if not isinstance(attr, dict) or not attr.get('name') or \
                not attr.get('values'):
            raise SchemaError(f'{self.source}: each attribute needs a "name" '
                              f'and non-empty "values", got {attr!r}')
        name = attr['name']
        self._check_unique(attr['values'], f'values of {name!r}')
        self._check_names([name] + list(attr['values']),
                          f'{name!r} name/value')
        cats = attr.get('categories', self.categories)
        value_cats = attr.get('value_categories', {})
        for value in value_cats:
            if value not in attr['values']:
                raise SchemaError(f'{self.source}: {name!r}.value_categories '
                                  f'names unknown value {value!r}')
        for cat in list(cats) + [c for v in value_cats.values() for c in v]:
            if cat not in self.categories:
                raise SchemaError(f'{self.source}: attribute {name!r} names '
                                  f'unknown category {cat!r}')
        return dict(name=name, values=list(attr['values']),
                    multi_label=bool(attr.get('multi_label', True)),
                    categories=list(cats),
                    value_categories={k: list(v)
                                      for k, v in value_cats.items()},
                    **self._check_groups(attr, name))

    @property
    def tasks(self) -> List[dict]:
        """``dict(name, classes, multi_label)`` per task, category first."""
        tasks = []
        if self.category_task:
            tasks.append(dict(name=self.category_task,
                              classes=list(self.categories),
                              multi_label=False))
        tasks += [dict(name=a['name'], classes=a['values'],
                       multi_label=a['multi_label']) for a in self.attributes]
        return tasks

    def allowed_values(self, category: str) -> Dict[str, set]:
        """Attribute -> values allowed for ``category`` (absent: not applicable)."""
        allowed = {}
        for a in self.attributes:
            if category not in a['categories']:
                continue
            allowed[a['name']] = {
                v for v in a['values']
                if category in a['value_categories'].get(v, [category])}
        return allowed

    def allowed_mask(self) -> np.ndarray:
        """Bool ``(num_categories, num_classes_total)``: value allowed for category.

        Columns follow :attr:`tasks` flattened; the category task's own
        columns are always allowed.
        """
        mask = []
        for cat in self.categories:
            allowed = self.allowed_values(cat)
            row = []
            for task in self.tasks:
                if task['name'] == self.category_task:
                    row += [True] * len(task['classes'])
                else:
                    ok = allowed.get(task['name'], set())
                    row += [v in ok for v in task['classes']]
            mask.append(row)
        return np.array(mask, dtype=bool)
