"""What a reviewer looks at: each row of the audit's ``issues.csv`` joined
with its catalogue row (category, image file), checked against the
catalogue and the schema once, when the review starts.

``issues.csv`` (``tools/audit_catalog.py``) names image, attribute, seller
value, suggested value, score, kind and reason; the category and the
image file come from the catalogue the audit read (its training reader,
so image names are normalised the same way). An issues file that does not
belong to the catalogue (an image it lacks, a seller value that differs
from the catalogue's cell, an attribute the schema lacks) is a
``ValueError`` naming ``issues.csv:line``: decisions on it would be
exported onto the wrong cells.
"""
import csv
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..datasets.catalog.rows import VALUE_SEPARATOR, RowEncoder, split_cell
from ..datasets.schema import AttributeSchema
from ..errors import UserValueError

REQUIRED_COLUMNS = ('image', 'attribute', 'seller_value', 'suggested_value',
                    'score', 'kind')


@dataclass(frozen=True)
class ReviewItem:
    """One flagged label.

    Args:
        id (int): Its row in ``issues.csv`` (1: the first data row); the
            page's and the API's handle.
        image (str): The catalogue's image name (normalised).
        attribute (str): The attribute, or the schema's category task.
        category (str): The catalogue row's category.
        seller (tuple): The seller's values (one for single-label).
        suggested (tuple): The audit's suggestion (may be empty).
        score (float): 1: surely wrong.
        kind (str): ``label``, ``schema`` or ``unknown_value``.
        reason (str): Why (schema findings; the model's rows have none).
        rank (int): The audit's rank (1: most suspect).
        line (int): The catalogue row's line.
        extra (dict): Any other column of ``issues.csv``.
    """
    id: int
    image: str
    attribute: str
    category: str
    seller: Tuple[str, ...]
    suggested: Tuple[str, ...]
    score: float
    kind: str
    reason: str
    rank: int
    line: int
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> Tuple[str, str]:
        """What a decision is about: ``(image, attribute)``."""
        return self.image, self.attribute

    def to_json(self) -> dict:
        return dict(id=self.id, image=self.image, attribute=self.attribute,
                    category=self.category, seller=list(self.seller),
                    suggested=list(self.suggested), score=self.score,
                    kind=self.kind, reason=self.reason, rank=self.rank,
                    line=self.line, extra=dict(self.extra))


class ReviewSet:
    """The items of one review, with the schema to check corrections.

    Args:
        items: In ``issues.csv``'s order.
        schema: The catalogue's schema.
        ann_file: The catalogue.
        issues_file: The audit's ``issues.csv``.
        image_files: Catalogue image name -> file, for the items' images.
        summary: ``summary.json``'s per-attribute entries (``{}``: none).
    """

    def __init__(self, items: List[ReviewItem], schema: AttributeSchema,
                 ann_file: str, issues_file: str,
                 image_files: Dict[str, str], summary: dict):
        self.items, self.schema = items, schema
        self.ann_file, self.issues_file = ann_file, issues_file
        self.image_files, self.summary = image_files, summary
        self.by_id = {item.id: item for item in items}
        self.by_key = {item.key: item for item in items}
        self.encoder = RowEncoder(schema)
        self.category_task = schema.category_task or 'category'
        self._tasks = {t['name']: t for t in schema.tasks}

    def multi_label(self, attribute: str) -> bool:
        return bool(self._tasks[attribute]['multi_label'])

    def choices(self, attribute: str, category: str) -> List[str]:
        """The values a correction may take, in the schema's order: every
        category for the category, else the values the schema allows for
        ``category`` (none when the attribute does not apply to it)."""
        classes = self._tasks[attribute]['classes']
        if attribute == self.category_task:
            return list(classes)
        allowed = self.schema.allowed_values(category).get(attribute, set())
        return [v for v in classes if v in allowed]

    def problem(self, attribute: str, values: Sequence[str],
                category: str) -> Optional[str]:
        """Why ``values`` cannot be ``attribute``'s label in a row of
        ``category`` (the schema's message), or None. No value is a missing
        label, fine for an attribute, not for the category."""
        if attribute == self.category_task:
            if len(values) != 1:
                return ('the category takes exactly one value, got '
                        f'{list(values)}')
            found = self.encoder.problems(attribute, values[0], '')
        else:
            found = self.encoder.problems(attribute, tuple(values),
                                          category)
        return None if found is None else found.message


def _values(cell: str) -> Tuple[str, ...]:
    return tuple(split_cell(cell or ''))


def read_issues(issues_file: str) -> List[dict]:
    """``issues.csv``'s rows with their line; a missing column is an
    error naming the file."""
    with open(issues_file, encoding='utf-8', newline='') as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED_COLUMNS
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise UserValueError(
                f'{issues_file}: missing column(s) {missing} (is it '
                "tools/audit_catalog.py's issues.csv?)")
        rows = []
        for row in reader:
            if None in row or None in row.values():
                raise UserValueError(f'{issues_file}:{reader.line_num}: '
                                     'more or fewer cells than the header')
            rows.append(dict(row, _line=reader.line_num))
    return rows


def load_review_set(issues_file: str, ann_file: str, schema_file: str,
                    img_prefix: str = '',
                    summary_file: Optional[str] = None) -> ReviewSet:
    """The review of ``issues_file`` (``tools/audit_catalog.py``'s) on the
    catalogue ``ann_file`` it audited.

    Args:
        issues_file: ``issues.csv``.
        ann_file: The catalogue CSV / JSON Lines file the audit read.
        schema_file: Its schema.
        img_prefix: The folder the catalogue's image names are relative to
            (``--img-prefix`` of the audit).
        summary_file: ``summary.json`` (optional: shown beside each
            attribute).
    """
    schema = AttributeSchema.from_file(schema_file)
    cat_task = schema.category_task or 'category'
    tasks = {t['name'] for t in schema.tasks}
    rows = read_issues(issues_file)
    wanted = {row['image'] for row in rows}
    catalogue: Dict[str, tuple] = {}
    for line, image, category, cells in RowEncoder(schema).reader(ann_file):
        if image in wanted:
            cells = {name: (split_cell(c) if isinstance(c, str) else
                            [v for v in c]) for name, c in cells}
            if category:
                cells[cat_task] = [category]
            catalogue[image] = (line, category, cells)
    items, seen = [], {}
    for number, row in enumerate(rows, 1):
        where = f'{issues_file}:{row["_line"]}'
        image, attribute = row['image'], row['attribute']
        if image not in catalogue:
            raise UserValueError(f'{where}: image {image!r} is not in the '
                                 f'catalogue {ann_file} (the audit of '
                                 'another catalogue?)')
        if attribute not in tasks:
            raise UserValueError(f'{where}: attribute {attribute!r} is not '
                                 f'in the schema {schema_file}')
        if (image, attribute) in seen:
            raise UserValueError(f'{where}: {image!r} {attribute!r} is '
                                 f'listed twice (first at line '
                                 f'{seen[image, attribute]})')
        seen[image, attribute] = row['_line']
        line, category, cells = catalogue[image]
        seller = _values(row['seller_value'])
        if list(seller) != list(cells.get(attribute, [])):
            raise UserValueError(
                f'{where}: seller value {VALUE_SEPARATOR.join(seller)!r} '
                f'of {image!r} {attribute!r}, but the catalogue has '
                f'{VALUE_SEPARATOR.join(cells.get(attribute, []))!r} at '
                f'{ann_file}:{line} (the catalogue changed since the '
                'audit?)')
        try:
            score = float(row['score'])
            rank = int(row.get('rank') or number)
        except ValueError as e:
            raise UserValueError(f'{where}: {e}') from e
        extra = {k: v for k, v in row.items() if not k.startswith('_')
                 and k not in REQUIRED_COLUMNS + ('rank', 'reason')}
        items.append(ReviewItem(
            id=number, image=image, attribute=attribute, category=category,
            seller=seller, suggested=_values(row['suggested_value']),
            score=score, kind=row['kind'], reason=row.get('reason') or '',
            rank=rank, line=line, extra=extra))
    summary = {}
    if summary_file and osp.exists(summary_file):
        with open(summary_file, encoding='utf-8') as f:
            summary = json.load(f)
    image_files = {i.image: osp.join(img_prefix, i.image) for i in items}
    return ReviewSet(items, schema, ann_file, issues_file, image_files,
                     summary)
