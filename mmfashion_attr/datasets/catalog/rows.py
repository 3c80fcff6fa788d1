"""Encode catalogue rows (from :mod:`.reader`) against a schema.

Every cell is validated once per distinct ``(attribute, cell, category)``
and the result cached, so a 1M-row export parses in seconds. A problem is
an ``AnnotationError`` naming ``file:line`` (kind ``unknown_value``: a
value or category the schema does not know; ``schema``: one it does not
allow there); nothing is skipped or guessed, unless the caller collects
the problems (``on_error``), when the bad cell is left out as missing.
"""
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..schema import AttributeSchema
from .reader import (FORMATS, JSON_KEYS, VALUE_SEPARATOR, AnnotationError,
                     CatalogReader, OnError, annotation_format,
                     normalise_image, split_cell)

__all__ = ['FORMATS', 'JSON_KEYS', 'VALUE_SEPARATOR', 'AnnotationError',
           'CatalogReader', 'Row', 'RowEncoder', 'annotation_format',
           'normalise_image', 'read_rows', 'split_cell']

Row = Tuple[int, str, List[int], bytearray]  # line, image, labels, mask


class Problem(NamedTuple):
    """Why a cell is rejected (cached like the cell's indices)."""
    kind: str
    message: str


class RowEncoder:
    """Flat label indices and task mask of a row, validated and cached.

    Args:
        schema (AttributeSchema): The tasks, values and per-category
            applicability to check against.
    """

    def __init__(self, schema: AttributeSchema):
        self.schema = schema
        self.tasks = schema.tasks
        self.task_index = {t['name']: i for i, t in enumerate(self.tasks)}
        self.offsets, offset = [], 0
        for t in self.tasks:
            self.offsets.append(offset)
            offset += len(t['classes'])
        self.num_classes = offset
        self.value_index = [{c: i for i, c in enumerate(t['classes'])}
                            for t in self.tasks]
        self.cat_task = schema.category_task
        self.attributes = frozenset(self.task_index) - {self.cat_task}
        self._allowed = {c: schema.allowed_values(c)
                         for c in schema.categories}
        self._cache: Dict[tuple, object] = {}

    def reader(self, ann_file: str, local_path: Optional[str] = None,
               on_error: OnError = None) -> CatalogReader:
        """The file's raw rows, its columns checked against the schema."""
        return CatalogReader(ann_file, local_path, self.attributes,
                             self.schema.source, on_error=on_error)

    # -- whole rows -------------------------------------------------------
    def encode_row(self, ann_file: str, line: int, image: str,
                   category: str, cells, on_error: OnError = None) -> Row:
        """``cells``: ``(attribute, cell string or tuple of values)``. A
        problem is raised, or given to ``on_error`` and its cell left out
        (with an unknown category, every attribute cell)."""
        mask = bytearray(len(self.tasks))
        labels: List[int] = []
        cache = self._cache
        if category:  # an error if the schema has no such (or no) category
            hit = self._lookup(('category', category))
            if hit.__class__ is Problem:
                self._report(hit, ann_file, line, on_error)
            else:
                labels.extend(hit[1])
                mask[hit[0]] = 1
        for name, cell in cells:
            key = (name, cell, category)
            hit = cache.get(key) or self._lookup(key)  # the fast path
            if hit.__class__ is Problem:
                self._report(hit, ann_file, line, on_error)
            elif hit[1]:
                labels.extend(hit[1])
                mask[hit[0]] = 1
        return line, image, labels, mask

    def problems(self, name: str, cell, category: str) -> Optional[Problem]:
        """Why the schema rejects this cell of a row, or None."""
        key = ('category', cell) if name == self.cat_task else \
            (name, cell, category)
        hit = self._lookup(key)
        return hit if hit.__class__ is Problem else None

    @staticmethod
    def _report(problem: Problem, ann_file: str, line: int,
                on_error: OnError):
        err = AnnotationError(f'{ann_file}:{line}: {problem.message}',
                              problem.kind)
        if on_error is None:
            raise err
        on_error(err)

    def _lookup(self, key):
        """``(task, indices)`` or a :class:`Problem`, cached."""
        hit = self._cache.get(key)
        if hit is None:
            if key[0] == 'category' and len(key) == 2:
                hit = self._encode_category(key[1])
            elif key[0] not in self.attributes:
                hit = Problem('unknown_attribute', f'unknown attribute '
                              f'{key[0]!r} (schema {self.schema.source})')
            else:
                task = self.task_index[key[0]]
                values = split_cell(key[1]) if isinstance(key[1], str) \
                    else list(key[1])
                hit = self._encode(task, values, key[2])
                if hit.__class__ is not Problem:
                    hit = (task, hit)
            self._cache[key] = hit
        return hit

    def _encode_category(self, category: str):
        if category not in self._allowed:
            return Problem('unknown_value', f'category {category!r} is not '
                           f'in the schema {self.schema.source}')
        i = self.task_index[self.cat_task]
        return i, (self.offsets[i] + self.value_index[i][category], )

    def _encode(self, task: int, values: List[str], category: str):
        spec, name = self.tasks[task], self.tasks[task]['name']
        for value in values:
            if value not in self.value_index[task]:
                return Problem('unknown_value', f'unknown value {value!r} '
                               f'for {name!r} (allowed: {spec["classes"]})')
        if not spec['multi_label'] and len(set(values)) > 1:
            return Problem('schema',
                           f'{name!r} is single-label but has {values}')
        if values and self.cat_task and category:
            allowed = self._allowed.get(category)
            if allowed is None:
                return Problem('schema', f'{name!r} of the unknown category '
                               f'{category!r} cannot be checked')
            if name not in allowed:
                return Problem('schema', f'attribute {name!r} does not '
                               f'apply to category {category!r}')
            bad = [v for v in values if v not in allowed[name]]
            if bad:
                return Problem('schema', f'value(s) {bad} of {name!r} do '
                               f'not apply to category {category!r}')
        return tuple(sorted({self.offsets[task] + self.value_index[task][v]
                             for v in values}))

    # -- single cells (the Fashionpedia reader) -------------------------------
    def task(self, name: str, where: str) -> int:
        if name not in self.attributes:
            raise AnnotationError(f'{where}: unknown attribute {name!r} '
                                  f'(schema {self.schema.source})',
                                  'unknown_attribute')
        return self.task_index[name]

    def category(self, category: str, where: str) -> Tuple[int, ...]:
        return self._raise(self._lookup(('category', category)), where)[1]

    def values(self, task: int, values, category: str,
               where: str) -> Tuple[int, ...]:
        """Indices of ``values`` (a cell string or a tuple of strings)."""
        key = (self.tasks[task]['name'], values, category)
        return self._raise(self._lookup(key), where)[1]

    @staticmethod
    def _raise(hit, where: str):
        if hit.__class__ is Problem:
            raise AnnotationError(f'{where}: {hit.message}', hit.kind)
        return hit


def read_rows(ann_file: str, local_path: str, encoder: RowEncoder,
              on_error: OnError = None,
              on_label_error: OnError = None) -> Iterator[Row]:
    """Encoded rows of a CSV / JSON Lines file (:class:`.CatalogReader`'s
    rules, then the schema's).

    Args:
        ann_file: The name used in error messages.
        local_path: Where to read it (a local copy for remote storage).
        encoder: The schema's :class:`RowEncoder`.
        on_error: Given every problem (the row or cell is left out); None:
            the first is raised.
        on_label_error: Given the schema's problems with a label (unknown
            or disallowed value or category; the cell is left out as
            missing) instead of ``on_error``.
    """
    label_error = on_label_error or on_error
    for line, image, category, cells in encoder.reader(ann_file, local_path,
                                                       on_error):
        yield encoder.encode_row(ann_file, line, image, category, cells,
                                 label_error)
