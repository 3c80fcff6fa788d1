"""Every problem of a catalogue file in one pass (``tools/check_catalog.py``):
the training reader's rules and messages (:mod:`.reader`, :mod:`.rows`),
collected instead of raised, then repeated images and, given the image
folder, missing image files (:mod:`.checks`)."""
import os.path as osp
from collections import Counter
from typing import List, Optional

from ..schema import AttributeSchema
from .attribute_table import AttributeTableBuilder
from .checks import duplicate_message, find_duplicates, find_missing_images
from .reader import AnnotationError, CatalogReader
from .rows import RowEncoder


class Problems:
    """The first ``limit`` problems and the count of each kind.

    Args:
        limit (int): How many messages to keep.
    """

    def __init__(self, limit: int = 1000):
        self.limit = limit
        self.listed: List[str] = []
        self.counts = Counter()

    def add(self, error: AnnotationError):
        self.counts[error.kind] += 1
        if len(self.listed) < self.limit:
            self.listed.append(f'{error} [{error.kind}]')

    def __len__(self):
        return sum(self.counts.values())


def check_catalogue(ann_file: str, schema_file: Optional[str] = None,
                    img_root: Optional[str] = None, limit: int = 1000,
                    backend_args: Optional[dict] = None) -> dict:
    """The problems of ``ann_file``: ``listed`` (the first ``limit``
    messages, ``file:line: message [kind]``), ``counts`` (per kind),
    ``problems`` (total) and ``rows`` (rows read, bad ones included).

    Args:
        ann_file: The CSV / JSON Lines catalogue.
        schema_file: Its schema; None checks the structure only (any
            attribute column, labels unchecked).
        img_root: The folder image names are relative to; given, every
            image file must exist.
        limit: Messages listed at most (all are counted).
        backend_args: mmengine file backend arguments for ``img_root``.
    """
    problems = Problems(limit)
    reader = CatalogReader(ann_file)  # an unknown format: raised here
    if schema_file:
        encoder = RowEncoder(AttributeSchema.from_file(schema_file))
        builder = AttributeTableBuilder(encoder.num_classes,
                                        len(encoder.tasks))
        reader = encoder.reader(ann_file, on_error=problems.add)
        rows = (encoder.encode_row(ann_file, line, image, category, cells,
                                   problems.add)
                for line, image, category, cells in reader)
    else:
        builder = AttributeTableBuilder(0, 0)
        reader = CatalogReader(ann_file, required=('image', ),
                               on_error=problems.add)
        rows = ((line, image, [], b'') for line, image, _, _ in reader)
    for line, image, labels, mask in rows:
        builder.add(image, line, labels, mask)
    table = builder.build()
    for first, dup in find_duplicates(table):
        problems.add(AnnotationError(duplicate_message(
            ann_file, table.lines[dup], table.image(dup),
            table.lines[first]), 'duplicate_image'))
    if img_root is not None:
        for _, missing in find_missing_images(table, img_root,
                                              backend_args):
            for i in sorted(missing, key=lambda k: table.lines[k]):
                problems.add(AnnotationError(
                    f'{ann_file}:{table.lines[i]}: image file '
                    f'{osp.join(img_root, table.image(i))} does not exist',
                    'missing_image'))
    return dict(problems=len(problems), counts=dict(problems.counts),
                rows=max(reader.data_rows, 0), listed=problems.listed)
