"""The one reader of catalogue files (CSV / JSON Lines): training, the label
audit, ``tools/check_catalog.py`` and batch inference parse them here, with
the same rules.

- UTF-8 only (a BOM is fine): other bytes are an error naming file:line;
- an empty or header-only file, a duplicate or missing column, a row with
  more or fewer cells than the header, malformed CSV / JSON, an empty image
  name: errors naming file:line;
- image names are normalised (``./a/x.jpg`` and ``a//x.jpg`` are
  ``a/x.jpg``), so the same image is one name.

Rows come out raw: ``(line, image, category, [(attribute, cell), ...])``
with the non-empty cells only (a cell is the CSV string or the JSON value:
a string or a tuple of strings); the schema checks are
:class:`~.rows.RowEncoder`'s. Every problem is an :class:`AnnotationError`;
given ``on_error`` it is passed there and the row skipped (a checker lists
them all) instead of raised.
"""
import csv
import json
import os.path as osp
import posixpath
import re
from typing import Callable, Collection, Iterator, List, Optional, Tuple

from ...errors import UserInputError

VALUE_SEPARATOR = '|'
FORMATS = {'.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
           '.json': 'jsonl'}
JSON_KEYS = frozenset(('image', 'category', 'attributes'))
# bytes that are not UTF-8, as Python's surrogateescape decodes them
_NOT_UTF8 = re.compile('[\udc80-\udcff]')

RawRow = Tuple[int, str, str, List[Tuple[str, object]]]
OnError = Optional[Callable[['AnnotationError'], None]]


class AnnotationError(UserInputError, ValueError):
    """A malformed annotation file or row; the message names the file and
    row, ``kind`` says what is wrong (``tools/check_catalog.py`` counts
    them by kind)."""

    def __init__(self, message: str, kind: str = 'malformed'):
        super().__init__(message)
        self.kind = kind


def annotation_format(ann_file: str) -> str:
    """``'csv'`` or ``'jsonl'`` from the extension, case-insensitively."""
    ext = osp.splitext(ann_file)[1].lower()
    if ext not in FORMATS:
        raise AnnotationError(
            f'{ann_file}: unknown annotation format {ext!r} (expected one '
            f'of {sorted(FORMATS)})', 'format')
    return FORMATS[ext]


def split_cell(cell: str) -> List[str]:
    """``'a | b|'`` -> ``['a', 'b']``; ``''`` -> ``[]`` (missing)."""
    return [v.strip() for v in cell.split(VALUE_SEPARATOR) if v.strip()]


def normalise_image(name: str) -> str:
    """One name per image: ``./a/x.jpg``, ``a//x.jpg``, ``a/./x.jpg`` ->
    ``a/x.jpg`` (the fast path leaves plain names alone)."""
    if name[:1] == '.' or '//' in name or '/.' in name:
        return posixpath.normpath(name)
    return name


class CatalogReader:
    """Iterate the raw rows of a catalogue file.

    Args:
        ann_file (str): The name in messages (and the file to read unless
            ``local_path``).
        local_path (str, optional): Where to read it (a local copy).
        attributes (Collection[str], optional): The known attribute names;
            another column / key is an error. None: any.
        schema (str): The schema's name, for messages.
        required (tuple): CSV columns that must be there.
        on_error (callable, optional): Called with each
            :class:`AnnotationError` (the row is skipped); None: raised.
    """

    def __init__(self, ann_file: str, local_path: Optional[str] = None,
                 attributes: Optional[Collection[str]] = None,
                 schema: str = '', required=('image', 'category'),
                 on_error: OnError = None):
        self.ann_file, self.local_path = ann_file, local_path or ann_file
        self.attributes, self.schema = attributes, schema
        self.required, self.on_error = required, on_error
        self.format = annotation_format(ann_file)
        self.bad_lines = set()  # lines with non-UTF-8 bytes (reported)
        self.data_rows = 0  # rows read, good or bad

    def error(self, line, message: str, kind: str):
        where = self.ann_file if line is None else f'{self.ann_file}:{line}'
        err = AnnotationError(f'{where}: {message}', kind)
        if self.on_error is None:
            raise err
        self.on_error(err)

    def __iter__(self) -> Iterator[RawRow]:
        # undecodable bytes become lone surrogates, found line by line
        with open(self.local_path, encoding='utf-8-sig',
                  errors='surrogateescape', newline='') as f:
            if self.format == 'csv':
                yield from self._csv(self._lines(f))
            else:
                yield from self._jsonl(self._lines(f))
        if not self.data_rows:
            self.error(None, 'no annotation rows (the file is empty or has '
                       'a header only)', 'empty_file')

    def _lines(self, f) -> Iterator[str]:
        for line, text in enumerate(f, 1):
            if not text.isascii():
                bad = _NOT_UTF8.search(text)
                if bad:
                    self.bad_lines.add(line)
                    self.error(line, 'not UTF-8 text (byte '
                               f'0x{ord(bad.group()) - 0xdc00:02x} at column '
                               f'{bad.start() + 1}); save it as UTF-8 '
                               '(Excel: "CSV UTF-8")', 'encoding')
            yield text

    def _skip(self, first: int, last: int) -> bool:
        """Whether lines ``first..last`` hold bytes already reported."""
        return bool(self.bad_lines) and any(
            k in self.bad_lines for k in range(first, last + 1))

    # -- CSV --------------------------------------------------------------
    def _header(self, header: List[str]):
        """``(image column, category column or None, [(column, name)],
        number of columns)``, or None when it is unusable (reported)."""
        names, first, fatal = [h.strip() for h in header], {}, False
        attrs = []
        for k, name in enumerate(names):
            if name in first:
                self.error(1, f'column {name!r} appears twice (columns '
                           f'{first[name] + 1} and {k + 1}); its labels '
                           'would be read from one of them only', 'header')
                fatal = True
                continue
            first[name] = k
            if name in ('image', 'category'):
                continue
            if self.attributes is not None and name not in self.attributes:
                self.error(1, f'unknown attribute {name!r} (schema '
                           f'{self.schema})', 'unknown_attribute')
                continue
            attrs.append((k, name))
        for col in self.required:
            if col not in first:
                self.error(1, f'missing column {col!r}', 'header')
                return None
        if fatal or 'image' not in first:
            return None  # reported; the rows cannot be read right
        return first['image'], first.get('category'), attrs, len(names)

    def _csv(self, lines) -> Iterator[RawRow]:
        reader = csv.reader(lines, strict=True)
        try:
            names = next(reader, None)
        except csv.Error as e:
            self.data_rows = -1  # reported, not "empty" as well
            return self.error(reader.line_num, f'malformed CSV ({e})',
                              'malformed')
        if names is None:
            return  # an empty file: reported after the loop
        header = None if self._skip(1, reader.line_num) \
            else self._header(names)
        if header is None:
            self.data_rows = -1  # reported already, not "empty" as well
            return
        image_col, cat_col, attrs, num_cols = header
        end = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                self.data_rows += 1
                self.error(reader.line_num, f'malformed CSV ({e})',
                           'malformed')
                end = reader.line_num
                continue
            start, end = end + 1, reader.line_num
            if not row:
                continue
            self.data_rows += 1
            if self._skip(start, end):
                continue
            if len(row) != num_cols:
                self.error(end, f'{len(row)} cells, but the header has '
                           f'{num_cols} columns', 'ragged')
                continue
            image = row[image_col].strip()
            if not image:
                self.error(end, 'empty image path', 'empty_image')
                continue
            yield (end, normalise_image(image),
                   row[cat_col].strip() if cat_col is not None else '',
                   [(name, row[k]) for k, name in attrs if row[k]])

    # -- JSON Lines -------------------------------------------------------
    def _jsonl(self, lines) -> Iterator[RawRow]:
        for line, text in enumerate(lines, 1):
            if not text.strip():
                continue
            self.data_rows += 1
            if line in self.bad_lines:
                continue
            try:
                yield self._json_row(line, text)
            except AnnotationError as e:
                if self.on_error is None:
                    raise
                self.on_error(e)

    def _json_row(self, line: int, text: str) -> RawRow:
        where = f'{self.ann_file}:{line}'

        def fail(message, kind='malformed'):
            return AnnotationError(f'{where}: {message}', kind)

        try:
            row = json.loads(text, object_pairs_hook=_unique_keys)
        except ValueError as e:
            raise fail(f'malformed row ({e})') from e
        if not isinstance(row, dict):
            raise fail('malformed row (not an object)')
        if row.keys() - JSON_KEYS:
            raise fail(f'unknown key(s) {sorted(row.keys() - JSON_KEYS)} '
                       f'(allowed: {sorted(JSON_KEYS)})')
        image, category = row.get('image'), row.get('category') or ''
        attrs = row.get('attributes') or {}
        if not isinstance(image, str):
            raise fail('no "image" path')
        if not isinstance(category, str) or not isinstance(attrs, dict):
            raise fail('malformed row ("category" must be a string, '
                       '"attributes" an object)')
        if '\\u' in text and _lone_surrogate(row):
            raise fail('a \\u escape of a lone surrogate (not text)',
                       'encoding')
        image = image.strip()
        if not image:
            raise fail('empty image path', 'empty_image')
        cells = []
        for name, value in attrs.items():
            if self.attributes is not None and name not in self.attributes:
                raise fail(f'unknown attribute {name!r} (schema '
                           f'{self.schema})', 'unknown_attribute')
            cell = _json_cell(value, where)
            if cell:
                cells.append((name, cell))
        return line, normalise_image(image), category.strip(), cells


def _json_cell(value, where):
    """A JSON attribute value -> a cell string or a tuple of strings."""
    if value is None or value.__class__ is str:
        return value or ''
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise AnnotationError(f'{where}: attribute values must be a string, a '
                          f'list of strings or null, got {value!r}',
                          'malformed')


def _unique_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ValueError('duplicate key(s) '
                         f'{sorted({k for k in keys if keys.count(k) > 1})}')
    return obj


def _lone_surrogate(row: dict) -> bool:
    try:
        json.dumps(row, ensure_ascii=False).encode('utf-8')
    except UnicodeEncodeError:
        return True
    return False
