"""Whole-table checks of a parsed catalogue: repeated images and image
files that do not exist. They return every case found; the dataset raises
on the first, ``tools/check_catalog.py`` lists them all."""
from array import array
from typing import Iterator, List, Optional, Tuple

import numpy as np
from mmengine.fileio import get_file_backend

from .attribute_table import AttributeTable


def duplicate_message(ann_file: str, line: int, image: str,
                      first_line: int) -> str:
    """The one wording of a repeated image (dataset, audit, checker)."""
    return (f'{ann_file}:{line}: duplicate image {image!r} (first at '
            f'{ann_file}:{first_line})')


def find_duplicates(table: AttributeTable) -> List[Tuple[int, int]]:
    """``(first row, repeated row)`` of every repeated image name, by
    repeated row; found by sorting hashes (no 1M-key dict)."""
    names, spans = table.path_spans()
    hashes = np.frombuffer(array('q', (hash(names[a:b]) for a, b in spans)),
                           np.int64)
    order = np.argsort(hashes, kind='stable')  # equal hashes: by row
    same = np.flatnonzero(hashes[order][1:] == hashes[order][:-1])
    first, pairs = {}, []
    for k in same.tolist():
        a, b = int(order[k]), int(order[k + 1])
        name = table.image(b)
        if table.image(a) == name:
            pairs.append((first.setdefault(name, a), b))
    return sorted(pairs, key=lambda p: p[1])


def find_missing_images(table: AttributeTable, root: str,
                        backend_args: Optional[dict] = None
                        ) -> Iterator[Tuple[str, List[int]]]:
    """``(folder, rows)`` of the image files that do not exist under
    ``root``, per folder: one listing per folder through mmengine's file
    backend, not one stat per image, one listing in memory at a time."""
    backend = get_file_backend(root or '.', backend_args=backend_args)
    names, spans = table.path_spans()
    folders, folder_of, name_start = {}, array('q'), array('q')
    for a, b in spans:
        cut = names.rfind(b'/', a, b) + 1 or a
        folder_of.append(folders.setdefault(names[a:cut], len(folders)))
        name_start.append(cut)
    folder_of = np.frombuffer(folder_of, np.int64)
    order = np.argsort(folder_of, kind='stable')
    bounds = np.searchsorted(folder_of[order], np.arange(len(folders) + 1))
    for folder, fid in folders.items():
        rows = order[bounds[fid]:bounds[fid + 1]]
        sub = folder.decode('utf-8').rstrip('/')
        path = backend.join_path(root, sub) if sub else root
        try:
            present = {n.encode('utf-8', 'surrogateescape')
                       for n in backend.list_dir_or_file(
                           path or '.', list_dir=False, list_file=True)}
        except (FileNotFoundError, NotADirectoryError):
            present = set()
        ends = table.offsets[rows + 1].tolist()  # this folder's rows
        missing = [i for i, end in zip(rows.tolist(), ends)
                   if names[name_start[i]:end] not in present]
        if missing:
            yield path or '.', missing
