"""Parse catalogue annotation files (CSV / JSON Lines) into encoded rows.

Every cell is validated against the schema once per distinct
``(category, attribute, cell)`` and the result cached, so a 1M-row export
parses in seconds. Any problem raises ``AnnotationError`` naming
``file:line``; nothing is skipped or guessed.
"""
import csv
import json
import os.path as osp
from typing import Dict, Iterator, List, Tuple

from ..schema import AttributeSchema

VALUE_SEPARATOR = '|'
FORMATS = {'.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
           '.json': 'jsonl'}
JSON_KEYS = frozenset(('image', 'category', 'attributes'))


Row = Tuple[int, str, List[int], bytearray]  # line, image, labels, mask


class AnnotationError(ValueError):
    """A malformed annotation row; the message names the file and row."""


def annotation_format(ann_file: str) -> str:
    """``'csv'`` or ``'jsonl'`` from the extension, case-insensitively."""
    ext = osp.splitext(ann_file)[1].lower()
    if ext not in FORMATS:
        raise AnnotationError(
            f'{ann_file}: unknown annotation format {ext!r} (expected one '
            f'of {sorted(FORMATS)})')
    return FORMATS[ext]


def split_cell(cell: str) -> List[str]:
    """``'a | b|'`` -> ``['a', 'b']``; ``''`` -> ``[]`` (missing)."""
    return [v.strip() for v in cell.split(VALUE_SEPARATOR) if v.strip()]


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
        self._allowed = {c: schema.allowed_values(c)
                         for c in schema.categories}
        self._cache: Dict[tuple, object] = {}

    def encode_row(self, ann_file: str, line: int, image: str,
                   category: str, cells) -> Row:
        """``cells``: ``(task index, cell string or tuple of values)``."""
        if not image:
            raise AnnotationError(f'{ann_file}:{line}: empty image path')
        mask = bytearray(len(self.tasks))
        labels: List[int] = []
        cache = self._cache
        if category:  # an error if the schema has no such (or no) category
            labels.extend(self.category(category, f'{ann_file}:{line}'))
            mask[self.task_index[self.cat_task]] = 1
        for task, cell in cells:
            hit = cache.get((task, cell, category))  # the fast path
            if hit is None or hit.__class__ is str:
                hit = self.values(task, cell, category, f'{ann_file}:{line}')
            if hit:
                labels.extend(hit)
                mask[task] = 1
        return line, image, labels, mask

    def task(self, name: str, where: str) -> int:
        if name not in self.task_index or name == self.cat_task:
            raise AnnotationError(f'{where}: unknown attribute {name!r} '
                                  f'(schema {self.schema.source})')
        return self.task_index[name]

    def category(self, category: str, where: str) -> Tuple[int, ...]:
        key = ('category', category)
        if key not in self._cache:
            if category not in self._allowed:
                self._cache[key] = (
                    f'category {category!r} is not in the schema '
                    f'{self.schema.source}')
            else:
                i = self.task_index[self.cat_task]
                self._cache[key] = (self.offsets[i] +
                                    self.value_index[i][category], )
        return self._cached(key, where)

    def values(self, task: int, values, category: str,
               where: str) -> Tuple[int, ...]:
        """Indices of ``values`` (a cell string or a tuple of strings)."""
        key = (task, values, category)
        if key not in self._cache:
            if isinstance(values, str):
                values = split_cell(values)
            self._cache[key] = self._encode(task, values, category)
        return self._cached(key, where)

    def _cached(self, key, where):
        result = self._cache[key]
        if isinstance(result, str):
            raise AnnotationError(f'{where}: {result}')
        return result

    def _encode(self, task: int, values: List[str], category: str):
        spec, name = self.tasks[task], self.tasks[task]['name']
        if not spec['multi_label'] and len(set(values)) > 1:
            return f'{name!r} is single-label but has {values}'
        for value in values:
            if value not in self.value_index[task]:
                return (f'unknown value {value!r} for {name!r} (allowed: '
                        f'{spec["classes"]})')
        if values and self.cat_task and category:
            allowed = self._allowed[category]
            if name not in allowed:
                return (f'attribute {name!r} does not apply to category '
                        f'{category!r}')
            bad = [v for v in values if v not in allowed[name]]
            if bad:
                return (f'value(s) {bad} of {name!r} do not apply to '
                        f'category {category!r}')
        return tuple(sorted({self.offsets[task] + self.value_index[task][v]
                             for v in values}))


def read_rows(ann_file: str, local_path: str,
              encoder: RowEncoder) -> Iterator[Row]:
    """Encoded rows of a CSV / JSON Lines file (UTF-8, BOM allowed).

    Args:
        ann_file: The name used in error messages.
        local_path: Where to read it (a local copy for remote storage).
    """
    fmt = annotation_format(ann_file)
    with open(local_path, encoding='utf-8-sig', newline='') as f:
        try:
            if fmt == 'csv':
                yield from _csv_rows(ann_file, f, encoder)
            else:
                yield from _jsonl_rows(ann_file, f, encoder)
        except UnicodeDecodeError as e:
            raise AnnotationError(f'{ann_file}: not UTF-8 text ({e}); save '
                                  'it as UTF-8 (Excel: "CSV UTF-8")') from e


def _csv_header(ann_file, reader, encoder):
    """Column positions: image, category and ``[(column, task)]``."""
    header = next(reader, None)
    if header is None:
        return None
    names = [h.strip() for h in header]
    first = {}
    for k, name in enumerate(names):
        if name in first:
            raise AnnotationError(
                f'{ann_file}:1: column {name!r} appears twice (columns '
                f'{first[name] + 1} and {k + 1}); its labels would be read '
                'from one of them only')
        first[name] = k
    for col in ('image', 'category'):
        if col not in first:
            raise AnnotationError(f'{ann_file}:1: missing column {col!r}')
    attrs = [(k, encoder.task(n, f'{ann_file}:1'))
             for k, n in enumerate(names) if n not in ('image', 'category')]
    return first['image'], first['category'], attrs, len(names)


def _csv_rows(ann_file, f, encoder) -> Iterator[Row]:
    reader = csv.reader(f, strict=True)
    try:
        header = _csv_header(ann_file, reader, encoder)
        if header is None:
            return
        image_col, cat_col, attrs, num_cols = header
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            if len(row) != num_cols:
                raise AnnotationError(
                    f'{ann_file}:{line}: {len(row)} cells, but the header '
                    f'has {num_cols} columns')
            yield encoder.encode_row(
                ann_file, line, row[image_col].strip(),
                row[cat_col].strip(),
                [(task, row[k]) for k, task in attrs if row[k]])
    except csv.Error as e:
        raise AnnotationError(f'{ann_file}:{reader.line_num}: malformed CSV '
                              f'({e})') from e


def _json_values(value, where):
    """A JSON attribute value -> a cell string or a tuple of strings."""
    if value is None or value.__class__ is str:
        return value or ''
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise AnnotationError(f'{where}: attribute values must be a string, a '
                          f'list of strings or null, got {value!r}')


def _unique_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ValueError('duplicate key(s) '
                         f'{sorted({k for k in keys if keys.count(k) > 1})}')
    return obj


def _jsonl_rows(ann_file, f, encoder) -> Iterator[Row]:
    for line, text in enumerate(f, 1):
        if not text.strip():
            continue
        where = f'{ann_file}:{line}'
        try:
            row = json.loads(text, object_pairs_hook=_unique_keys)
        except (json.JSONDecodeError, ValueError) as e:
            raise AnnotationError(f'{where}: malformed row ({e})') from e
        if not isinstance(row, dict):
            raise AnnotationError(f'{where}: malformed row (not an object)')
        if len(row.keys() - JSON_KEYS):
            raise AnnotationError(
                f'{where}: unknown key(s) {sorted(row.keys() - JSON_KEYS)} '
                f'(allowed: {sorted(JSON_KEYS)})')
        image, category = row.get('image'), row.get('category') or ''
        attrs = row.get('attributes') or {}
        if not isinstance(image, str):
            raise AnnotationError(f'{where}: no "image" path')
        if not isinstance(category, str) or not isinstance(attrs, dict):
            raise AnnotationError(f'{where}: malformed row ("category" must '
                                  'be a string, "attributes" an object)')
        yield encoder.encode_row(
            ann_file, line, image.strip(), category.strip(),
            [(encoder.task(name, where), _json_values(value, where))
             for name, value in attrs.items()])
