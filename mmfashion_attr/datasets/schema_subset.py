"""A schema restricted to some categories and tasks: one article group
(tops, jeans, dresses) or one attribute of it, as the progressive training
paper trains one model per article and compares with one model per
attribute. The dataset and the head apply the same ``subset`` dict, so their
label layouts agree.
"""
from typing import List, Optional, Sequence

import numpy as np

from .schema import AttributeSchema, SchemaError, task_slices


class SchemaSubset:
    """The part of ``schema`` given by ``categories`` and ``tasks``.

    Args:
        schema (AttributeSchema): The full schema.
        categories (Sequence[str], optional): Categories to keep (default
            all). Attribute values that apply to none of them are left out.
        tasks (Sequence[str], optional): Task names to keep, in any order
            (schema order is kept). Default: the category task when more than
            one category is kept, and every attribute that applies to a kept
            category. Without the category task, attributes keep the values
            of all kept categories and no per-category value lists.

    Attributes:
        schema (AttributeSchema): The restricted schema.
        task_index (np.ndarray): Index in the full schema's tasks of each
            kept task.
        columns (np.ndarray): Index in the full flat value vector of each
            kept value column.
        categories (list[str]): The kept categories.
        category_index (np.ndarray | None): Index in the full category list
            of each kept category (None: all kept).
    """

    def __init__(self, schema: AttributeSchema,
                 categories: Optional[Sequence[str]] = None,
                 tasks: Optional[Sequence[str]] = None):
        self.full = schema
        cats = list(schema.categories if categories is None else categories)
        unknown = [c for c in cats if c not in schema.categories]
        if unknown or not cats and categories is not None:
            raise SchemaError(f'{schema.source}: subset categories {unknown} '
                              f'not in {schema.categories}')
        cats = [c for c in schema.categories if c in cats]  # schema order
        self.categories = cats
        self.category_index = None if categories is None else np.array(
            [schema.categories.index(c) for c in cats], dtype=np.int64)
        allowed = [schema.allowed_values(c) for c in cats]
        applies = [a['name'] for a in schema.attributes
                   if not cats or any(a['name'] in al for al in allowed)]
        names = [t['name'] for t in schema.tasks]
        if tasks is None:
            tasks = applies
            if schema.category_task and len(cats) > 1:
                tasks = [schema.category_task] + tasks
        unknown = [t for t in tasks if t not in names]
        if unknown:
            raise SchemaError(f'{schema.source}: subset tasks {unknown} not '
                              f'in {names}')
        foreign = [t for t in tasks if t != schema.category_task
                   and t not in applies]
        if foreign:
            raise SchemaError(f'{schema.source}: {foreign} apply to none of '
                              f'the subset categories {cats}')
        keep_category = schema.category_task in tasks
        attributes = [self._restrict(a, cats, allowed, keep_category)
                      for a in schema.attributes if a['name'] in tasks]
        self.schema = AttributeSchema(
            attributes, cats if keep_category else None,
            schema.category_task or 'category',
            source=f'{schema.source} (subset {cats}, {list(tasks)})',
            category_groups=schema.category_groups)
        self.task_index = np.array(
            [names.index(t['name']) for t in self.schema.tasks], np.int64)
        full_slices = task_slices(schema.tasks)
        self.columns = np.array([
            full_slices[i].start + schema.tasks[i]['classes'].index(value)
            for i, task in zip(self.task_index, self.schema.tasks)
            for value in task['classes']], dtype=np.int64)

    @staticmethod
    def _restrict(attr: dict, cats: List[str], allowed: List[dict],
                  keep_category: bool) -> dict:
        """``attr`` with the values that apply to a kept category."""
        ok = set().union(*(al.get(attr['name'], set()) for al in allowed)) \
            if cats else set(attr['values'])
        attr = dict(attr, values=[v for v in attr['values'] if v in ok])
        if keep_category:
            attr['categories'] = [c for c in attr['categories'] if c in cats]
            attr['value_categories'] = {
                v: [c for c in vc if c in cats]
                for v, vc in attr['value_categories'].items() if v in ok}
        else:
            attr.pop('categories')
            attr.pop('value_categories')
        return attr

    def dropped_columns(self) -> np.ndarray:
        """Full-layout columns of kept tasks whose value was left out."""
        slices = task_slices(self.full.tasks)
        kept = np.concatenate([np.arange(slices[i].start, slices[i].stop)
                               for i in self.task_index])
        return np.setdiff1d(kept, self.columns)


def build_subset(schema: AttributeSchema,
                 subset: Optional[dict]) -> Optional[SchemaSubset]:
    """``SchemaSubset`` from a config's ``subset=dict(categories=...,
    tasks=...)`` (None: no subset)."""
    if subset is None:
        return None
    unknown = set(subset) - {'categories', 'tasks'}
    if unknown:
        raise ValueError(f'subset keys {sorted(unknown)}: expected '
                         "'categories' and/or 'tasks'")
    return SchemaSubset(schema, subset.get('categories'), subset.get('tasks'))
